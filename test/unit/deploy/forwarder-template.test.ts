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

/** Every IAM statement the template grants, wherever it sits. */
const statements = (value: unknown): Record<string, unknown>[] => {
  if (Array.isArray(value)) return value.flatMap(statements);
  if (!value || typeof value !== 'object') return [];
  const own = 'Statement' in value ? ((value as { Statement: Record<string, unknown>[] }).Statement ?? []) : [];
  return [...own, ...Object.values(value).flatMap(statements)];
};

describe('the forwarder template', () => {
  it("matches exactly the events of the home stack's runtime rule", async () => {
    // Act
    const home = await params.runtimeEventPattern();
    // Assess
    expect(rule.Properties.EventPattern).toEqual(home);
    expect(rule.Properties).toMatchObject({ EventBusName: 'default', State: 'ENABLED' });
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
