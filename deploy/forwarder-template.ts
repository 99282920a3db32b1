/**
 * The runtime-event forwarder: a standalone CloudFormation template for every region agents run in except the home
 * region (us-east-1), where the home stack's own rule sees the events.
 *
 * AgentCore's CloudTrail events reach EventBridge only in the region of the call. The forwarder's rule matches the
 * same runtime events as the home stack's rule (one pattern, src/settings.ts) and sends them to the home region's
 * default bus, with a role that may do nothing but `events:PutEvents` on that one bus. Events EventBridge cannot
 * deliver go to a dead-letter queue whose alarm notifies a topic in the same region (alarm actions cannot cross
 * regions), with the alert e-mail subscribed.
 *
 * Parameterised by service, stage and home region, with no assets to upload: the deploy script creates it per region,
 * and a StackSet can roll out the same JSON (`npm run template:forwarders`).
 */

import { forwarderNames } from '../src/deployment/forwarders.js';
import { topicAdministration } from '../src/policy/topic-administration.js';
import { EMAIL_PATTERN, HOME_REGION, REGION_PATTERN, runtimeEventPattern } from '../src/settings.js';

/** The names as `Fn::Sub` strings: the stack's parameters and region fill them in. */
const NAMES = forwarderNames({ service: `\${Service}`, stage: `\${Stage}`, region: `\${AWS::Region}` });

const sub = (text: string) => ({ 'Fn::Sub': text });
const ruleArn = sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${NAMES.rule}`);
const homeBus = sub(`arn:\${AWS::Partition}:events:\${HomeRegion}:\${AWS::AccountId}:event-bus/default`);
const alarmArn = sub(`arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${NAMES.alarm}`);
const accountRoot = sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root`);

/**
 * EventBridge retries a failed delivery with backoff for up to this long, then dead-letters the event. A day, the
 * most EventBridge allows: the home region being unreachable is the failure this covers.
 */
export const FORWARDER_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** Stage and service names that fit every resource name (the role's is the tightest: 64 characters). */
export const NAME_PART_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

export function forwarderTemplate() {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'agentcore-guard runtime-event forwarder: sends CreateAgentRuntime/UpdateAgentRuntime events of this region to the home region default event bus.',
    Parameters: {
      Service: {
        Type: 'String',
        Default: 'agentcore-guard',
        AllowedPattern: NAME_PART_PATTERN.source,
        MaxLength: 20,
        Description: 'The home stack service name (serverless.yml service).',
      },
      Stage: {
        Type: 'String',
        Default: 'dev',
        AllowedPattern: NAME_PART_PATTERN.source,
        MaxLength: 16,
        Description: 'The home stack stage.',
      },
      HomeRegion: {
        Type: 'String',
        Default: HOME_REGION,
        AllowedPattern: REGION_PATTERN.source,
        Description: 'The region of the home stack, whose default event bus receives the events.',
      },
      AlertEmail: {
        Type: 'String',
        Default: '',
        AllowedPattern: `^$|${EMAIL_PATTERN.source}`,
        Description: 'E-mail address told when events could not be forwarded (empty for none).',
      },
    },
    Conditions: {
      HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }] },
    },
    // The home region's own rule already sees its events: a forwarder there would deliver each one twice.
    Rules: {
      NotInHomeRegion: {
        Assertions: [
          {
            Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'HomeRegion' }] }] },
            AssertDescription:
              'The forwarder belongs in the regions other than the home region; the home stack covers its own region.',
          },
        ],
      },
    },
    Resources: {
      ForwarderRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          // IAM is global: the region in the name keeps the forwarders of several regions apart.
          RoleName: sub(NAMES.role),
          Description:
            'EventBridge forwards AgentCore runtime events to the home region default bus (agentcore-guard).',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sts:AssumeRole',
                // Only this account's forwarder rule, not any rule of any account, may use the role.
                Condition: {
                  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                  ArnEquals: { 'aws:SourceArn': ruleArn },
                },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'PutEventsOnHomeBusOnly',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: homeBus }],
              },
            },
          ],
        },
      },
      ForwarderRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: sub(NAMES.rule),
          Description:
            'CloudTrail CreateAgentRuntime/UpdateAgentRuntime of this account (successful calls only), to the home region.',
          EventBusName: 'default',
          EventPattern: runtimeEventPattern({ Ref: 'AWS::AccountId' }),
          State: 'ENABLED',
          Targets: [
            {
              Id: 'HomeRegionDefaultBus',
              Arn: homeBus,
              RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
              RetryPolicy: FORWARDER_RETRY,
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ForwarderDeadLetterQueue', 'Arn'] } },
            },
          ],
        },
      },
      // Events that could not be forwarded within the retry policy: what a person still has to look at.
      ForwarderDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: sub(NAMES.deadLetterQueue),
          MessageRetentionPeriod: 1_209_600,
          // SSE-SQS: EventBridge cannot write to queues encrypted with the AWS-managed aws/sqs KMS key.
          SqsManagedSseEnabled: true,
        },
      },
      ForwarderDeadLetterQueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'ForwarderDeadLetterQueue' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ForwarderRuleDeadLetters',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: { 'Fn::GetAtt': ['ForwarderDeadLetterQueue', 'Arn'] },
                Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
              },
            ],
          },
        },
      },
      // Alarm actions must be in the alarm's region, so the home stack's topic cannot be used: this region has its own.
      // Not encrypted: CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, and what it carries is
      // CloudWatch's alarm text (names and counts), no event data.
      ForwarderAlarmTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: sub(NAMES.alarmTopic) },
      },
      ForwarderAlarmTopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [{ Ref: 'ForwarderAlarmTopic' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              topicAdministration(accountRoot, { Ref: 'ForwarderAlarmTopic' }),
              {
                Sid: 'DeadLetterAlarmPublishes',
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: 'sns:Publish',
                Resource: { Ref: 'ForwarderAlarmTopic' },
                Condition: {
                  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                  ArnLike: { 'aws:SourceArn': alarmArn },
                },
              },
              {
                Sid: 'NoOtherPublisher',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sns:Publish',
                Resource: { Ref: 'ForwarderAlarmTopic' },
                Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' } },
              },
            ],
          },
        },
      },
      ForwarderAlarmEmail: {
        Type: 'AWS::SNS::Subscription',
        Condition: 'HasAlertEmail',
        Properties: { TopicArn: { Ref: 'ForwarderAlarmTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } },
      },
      ForwarderDeadLetterAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: sub(NAMES.alarm),
          AlarmDescription:
            'AgentCore runtime events of this region could not be forwarded to the home region; they are kept in the dead-letter queue (docs/regions.md).',
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['ForwarderDeadLetterQueue', 'QueueName'] } }],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: 'ForwarderAlarmTopic' }],
          OKActions: [{ Ref: 'ForwarderAlarmTopic' }],
        },
      },
    },
    Outputs: {
      RuleName: { Description: 'The forwarder rule (this region default bus)', Value: { Ref: 'ForwarderRule' } },
      RoleArn: { Description: 'The role EventBridge forwards with', Value: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] } },
      HomeBusArn: { Description: 'Where matching events go', Value: homeBus },
      DeadLetterQueueUrl: {
        Description: 'Events that could not be forwarded',
        Value: { Ref: 'ForwarderDeadLetterQueue' },
      },
      AlarmTopicArn: {
        Description: 'Told when events could not be forwarded (subscribe a second channel here)',
        Value: { Ref: 'ForwarderAlarmTopic' },
      },
    },
  };
}

export type ForwarderTemplate = ReturnType<typeof forwarderTemplate>;
