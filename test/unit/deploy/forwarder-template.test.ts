import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { forwarderTemplate } from '../../../deploy/forwarder-template.js';
import * as params from '../../../deploy/params.js';
import { forwarderNames, ROLE_NAME_MAX_LENGTH } from '../../../src/deployment/forwarders.js';

const template = forwarderTemplate();
const { ForwarderRole: role, ForwarderRule: rule } = template.Resources;
const target = rule.Properties.Targets[0]!;

const HOME_BUS = { 'Fn::Sub': `arn:\${AWS::Partition}:events:\${HomeRegion}:\${AWS::AccountId}:event-bus/default` };
const RULE_ARN = {
  'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/\${Service}-\${Stage}-runtime-forwarder`,
};

/** The resolver reference serverless.yml uses for the shared pattern. */
const PATTERN_RESOLVER = `\${file(./deploy/params.cjs):runtimeEventPattern}`;

/**
 * The pattern of the home stack's rule on runtime changes, as serverless.yml declares it: the shared resolver's value,
 * or a literal pattern (`!Ref AWS::AccountId` read as `{ Ref: 'AWS::AccountId' }`).
 */
async function homeRulePattern(): Promise<unknown> {
  const tags = ['!Ref', '!GetAtt', '!Sub', '!If', '!Equals', '!Not', '!Select', '!Split', '!Join'];
  const schema = yaml.DEFAULT_SCHEMA.extend(
    tags.flatMap((tag) =>
      (['scalar', 'sequence', 'mapping'] as const).map(
        (kind) => new yaml.Type(tag, { kind, construct: (data: unknown) => ({ [tag.slice(1)]: data }) }),
      ),
    ),
  );
  const stack = yaml.load(readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8'), { schema }) as {
    functions: Record<string, { events?: string | { eventBridge?: { name: string; pattern: unknown } }[] }>;
  };
  // A function's events may be a resolver reference (a string) instead of a list.
  const rules = Object.values(stack.functions).flatMap((fn) =>
    Array.isArray(fn.events) ? fn.events.flatMap((e) => e.eventBridge ?? []) : [],
  );
  const rule = rules.find((r) => r.name.endsWith('-runtime-change'));
  if (!rule) throw new Error('serverless.yml has no *-runtime-change rule');
  return rule.pattern === PATTERN_RESOLVER ? params.runtimeEventPattern() : rule.pattern;
}

/** Every IAM statement the template grants, wherever it sits. */
const statements = (value: unknown): Record<string, unknown>[] => {
  if (Array.isArray(value)) return value.flatMap(statements);
  if (!value || typeof value !== 'object') return [];
  const own = 'Statement' in value ? ((value as { Statement: Record<string, unknown>[] }).Statement ?? []) : [];
  return [...own, ...Object.values(value).flatMap(statements)];
};

describe('the forwarder template', () => {
  it("matches exactly the events of the shared runtime-event pattern's resolver", async () => {
    // Act
    const shared = await params.runtimeEventPattern();
    // Assess
    expect(rule.Properties.EventPattern).toEqual(shared);
    expect(rule.Properties).toMatchObject({ EventBusName: 'default', State: 'ENABLED' });
  });

  it("matches exactly what the home stack's runtime-change rule in serverless.yml matches", async () => {
    // Act
    const home = await homeRulePattern();
    // Assess
    expect(rule.Properties.EventPattern).toEqual(home);
  });

  it("sends them to the home region's default bus of this account, with its own role", () => {
    // Assess
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(target.Arn).toEqual(HOME_BUS);
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['ForwarderRole', 'Arn'] });
  });

  it('retries a failed delivery, then keeps the event in a dead-letter queue whose alarm notifies a topic in its region', () => {
    // Prepare
    const { ForwarderDeadLetterAlarm: alarm, ForwarderAlarmEmail: email } = template.Resources;
    // Assess
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(3600);
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': ['ForwarderDeadLetterQueue', 'Arn'] });
    expect(alarm.Properties.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': ['ForwarderDeadLetterQueue', 'QueueName'] } },
    ]);
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'ForwarderAlarmTopic' }]);
    expect(email).toMatchObject({ Condition: 'HasAlertEmail', Properties: { Endpoint: { Ref: 'AlertEmail' } } });
  });

  it('lets the role do nothing but PutEvents on that one bus', () => {
    // Prepare
    const granted = statements(role.Properties.Policies);
    // Assess
    expect(granted).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: HOME_BUS }]);
    expect(Object.keys(role.Properties)).not.toContain('ManagedPolicyArns');
  });

  it("lets only EventBridge assume the role, for this account's forwarder rule", () => {
    // Assess
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': RULE_ARN },
        },
      },
    ]);
    expect(rule.Properties.Name).toEqual({ 'Fn::Sub': `\${Service}-\${Stage}-runtime-forwarder` });
  });

  it('takes dead letters from the forwarder rule only', () => {
    // Prepare
    const policy = template.Resources.ForwarderDeadLetterQueuePolicy.Properties.PolicyDocument;
    // Assess
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
      }),
    ]);
  });

  it('names its role per stage and region, within IAM’s limit for the longest names it accepts', () => {
    // Prepare
    const { Service, Stage } = template.Parameters;
    const longest = forwarderNames({
      service: 's'.repeat(Service.MaxLength),
      stage: 'd'.repeat(Stage.MaxLength),
      region: 'ap-southeast-2',
    });
    // Assess
    expect(role.Properties.RoleName).toEqual({ 'Fn::Sub': `\${Service}-\${Stage}-forwarder-\${AWS::Region}` });
    expect(longest.role.length).toBeLessThanOrEqual(ROLE_NAME_MAX_LENGTH);
  });

  it('refuses to be created in the home region', () => {
    // Assess
    expect(template.Rules.NotInHomeRegion.Assertions).toEqual([
      expect.objectContaining({
        Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'HomeRegion' }] }] },
      }),
    ]);
    expect(template.Parameters.HomeRegion.Default).toBe('us-east-1');
  });

  it('stands alone: no assets to upload, nothing but the forwarder', () => {
    // Assess
    expect(Object.values(template.Resources).map((r) => r.Type)).toEqual([
      'AWS::IAM::Role',
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
      'AWS::SNS::Topic',
      'AWS::SNS::TopicPolicy',
      'AWS::SNS::Subscription',
      'AWS::CloudWatch::Alarm',
    ]);
    expect(JSON.stringify(template)).not.toMatch(/S3Bucket|TemplateURL|"Code"/);
  });
});
