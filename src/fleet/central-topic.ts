import { topicAdministration } from '../policy/topic-administration.js';
import { EMAIL_PATTERN, ORGANIZATION_ID_PATTERN } from '../settings.js';

/**
 * The administrator account's side of central alerts: a CloudFormation template for the topic member stacks publish
 * to (`--param centralAlertTopicArn=<its TopicArn>`, `centralAlertKeyArn=<its KeyArn>`). Deploy it in us-east-1.
 *
 * Who may publish: principals of the organization (`aws:PrincipalOrgID`) that are one of the member stack's alerting
 * functions' roles (`aws:PrincipalArn`); everyone else is denied, the administrator account's own people included
 * (a forged alert is as bad as a lost one). The key lets the same principals use it, and only through SNS.
 */

/**
 * The member stack's functions that publish alerts, by their roles' logical ids (deploy/stack-plugin.ts makes
 * `<Function>Role` for each function). The package tests hold this list against the stack itself.
 */
export const ALERT_PUBLISHER_ROLES = ['HealthcheckRole', 'ReconcileRole', 'RemediateRole', 'RuntimesRole'] as const;

/**
 * CloudFormation names a role it creates `<stack name>-<logical id>-<random suffix>`, whatever the stack is called
 * (`agentcore-guard-dev`, or a StackSet's `StackSet-<set>-<id>`): any account, any stack, that role.
 */
export const publisherRoleArnPatterns = (): { 'Fn::Sub': string }[] =>
  ALERT_PUBLISHER_ROLES.map((role) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/*-${role}-*` }));

const TOPIC = { Ref: 'CentralAlertsTopic' };
/** The administrator account itself (its IAM policies decide which of its principals administer). */
const ACCOUNT_ROOT = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` };

export function centralAlertsTemplate(): Record<string, unknown> {
  const publishers = publisherRoleArnPatterns();
  const inOrganization = { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'agentcore-guard central alerts: the topic member stacks publish to (administrator account, us-east-1).',
    Parameters: {
      OrganizationId: {
        Type: 'String',
        AllowedPattern: ORGANIZATION_ID_PATTERN.source,
        Description: 'The organization whose member stacks may publish (o-...).',
      },
      TopicName: {
        Type: 'String',
        Default: 'agentcore-guard-central-alerts',
        AllowedPattern: '^[A-Za-z0-9_-]{1,256}$',
        Description: 'The central topic name.',
      },
      AlertEmail: {
        Type: 'String',
        Default: '',
        AllowedPattern: `^$|${EMAIL_PATTERN.source}`,
        Description: 'An e-mail address subscribed to the central topic (empty for none).',
      },
    },
    Conditions: { HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }] } },
    Resources: {
      CentralAlertsKey: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: 'agentcore-guard central alerts topic encryption',
          EnableKeyRotation: true,
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AccountAdministers',
                Effect: 'Allow',
                Principal: { AWS: ACCOUNT_ROOT },
                Action: 'kms:*',
                Resource: '*',
              },
              {
                // Cross-account: the member roles' own policies grant these on this key's ARN; this grants the rest.
                Sid: 'MemberAlertFunctionsPublishThroughSns',
                Effect: 'Allow',
                Principal: '*',
                Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
                Resource: '*',
                Condition: {
                  StringEquals: {
                    ...inOrganization,
                    'kms:ViaService': { 'Fn::Sub': `sns.\${AWS::Region}.amazonaws.com` },
                  },
                  ArnLike: { 'aws:PrincipalArn': publishers },
                },
              },
            ],
          },
        },
      },
      CentralAlertsTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: { Ref: 'TopicName' }, KmsMasterKeyId: { Ref: 'CentralAlertsKey' } },
      },
      CentralAlertsTopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [TOPIC],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              topicAdministration(ACCOUNT_ROOT, TOPIC),
              {
                Sid: 'MemberAlertFunctionsPublish',
                Effect: 'Allow',
                Principal: '*',
                Action: 'sns:Publish',
                Resource: TOPIC,
                Condition: { StringEquals: inOrganization, ArnLike: { 'aws:PrincipalArn': publishers } },
              },
              {
                Sid: 'NoPublisherOutsideTheOrganization',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sns:Publish',
                Resource: TOPIC,
                Condition: { StringNotEquals: inOrganization },
              },
              {
                Sid: 'NoPublisherButTheAlertFunctions',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sns:Publish',
                Resource: TOPIC,
                Condition: { ArnNotLike: { 'aws:PrincipalArn': publishers } },
              },
            ],
          },
        },
      },
      AlertEmailSubscription: {
        Type: 'AWS::SNS::Subscription',
        Condition: 'HasAlertEmail',
        Properties: { TopicArn: TOPIC, Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } },
      },
    },
    Outputs: {
      TopicArn: {
        Description: "Each member stack's --param centralAlertTopicArn",
        Value: TOPIC,
      },
      KeyArn: {
        Description: "Each member stack's --param centralAlertKeyArn",
        Value: { 'Fn::GetAtt': ['CentralAlertsKey', 'Arn'] },
      },
    },
  };
}
