import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { ACCOUNT } from './iam-fixtures.js';

/** The trust policy the AgentCore starter toolkit gives its runtime roles (without its conditions). */
export const AGENTCORE_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ],
};

export interface ApiCallInput {
  /** EventBridge `source`, e.g. `aws.iam`. */
  source: string;
  /** CloudTrail `eventSource`, e.g. `iam.amazonaws.com`. */
  eventSource: string;
  eventName: string;
  requestParameters: Record<string, unknown>;
  /** `null` for a failed call, as CloudTrail records it. */
  responseElements?: Record<string, unknown> | null;
  errorCode?: string;
  account?: string;
  region?: string;
  id?: string;
  eventTime?: Date;
}

/**
 * An EventBridge "AWS API Call via CloudTrail" event in the shape CloudTrail records it (userIdentity, request and
 * response, a failed call's errorCode and null response). The one builder every test and script uses.
 */
export function apiCallEvent(input: ApiCallInput): Record<string, unknown> & { detail: Record<string, unknown> } {
  const account = input.account ?? ACCOUNT;
  const region = input.region ?? 'us-east-1';
  const time = (input.eventTime ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const failed = input.errorCode !== undefined;
  return {
    version: '0',
    id: input.id ?? randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: input.source,
    account,
    time,
    region,
    resources: [],
    detail: {
      eventVersion: '1.11',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEPRINCIPAL:developer',
        arn: `arn:aws:sts::${account}:assumed-role/Developer/developer`,
        accountId: account,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEPRINCIPAL',
            arn: `arn:aws:iam::${account}:role/Developer`,
            accountId: account,
            userName: 'Developer',
          },
          attributes: { creationDate: time, mfaAuthenticated: 'false' },
        },
      },
      eventTime: time,
      eventSource: input.eventSource,
      eventName: input.eventName,
      awsRegion: region,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'Boto3/1.40.0 md/Botocore#1.40.0 ua/2.1 os/linux lang/python#3.12 (bedrock-agentcore-starter-toolkit)',
      requestParameters: input.requestParameters,
      responseElements: failed ? null : (input.responseElements ?? null),
      ...(failed ? { errorCode: input.errorCode, errorMessage: `${input.errorCode}: the call failed` } : {}),
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    },
  };
}

export interface CreateRoleEventOptions {
  /** The ARN IAM returned (moto's for roles created there); by default the role at path / in `account`. */
  roleArn?: string;
  account?: string;
  errorCode?: string;
  id?: string;
  eventTime?: Date;
  trustPolicy?: unknown;
}

/** CloudTrail `CreateRole`: the role with its URL-encoded trust policy in responseElements, as IAM records it. */
export function createRoleEvent(roleName: string, options: CreateRoleEventOptions = {}) {
  const account = options.account ?? options.roleArn?.split(':')[4] ?? ACCOUNT;
  const roleArn = options.roleArn ?? `arn:aws:iam::${account}:role/${roleName}`;
  const trust = JSON.stringify(options.trustPolicy ?? AGENTCORE_TRUST_POLICY);
  const time = options.eventTime ?? new Date();
  return apiCallEvent({
    source: 'aws.iam',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateRole',
    account,
    id: options.id,
    eventTime: time,
    errorCode: options.errorCode,
    requestParameters: {
      roleName,
      path: '/',
      assumeRolePolicyDocument: trust,
      description: 'Execution role for BedrockAgentCore Runtime',
    },
    responseElements: {
      role: {
        path: '/',
        roleName,
        roleId: 'AROAEXAMPLEROLEID000',
        arn: roleArn,
        createDate: time.toUTCString().replace('GMT', 'UTC'),
        assumeRolePolicyDocument: encodeURIComponent(trust),
      },
    },
  });
}

/** CloudTrail `PutRolePolicy` / `DeleteRolePolicy` on one inline policy: what the drift rule delivers. */
export function rolePolicyEvent(
  eventName: 'PutRolePolicy' | 'DeleteRolePolicy',
  roleName: string,
  options: { policyName?: string; account?: string; id?: string } = {},
) {
  return apiCallEvent({
    source: 'aws.iam',
    eventSource: 'iam.amazonaws.com',
    eventName,
    account: options.account,
    id: options.id,
    requestParameters: { roleName, policyName: options.policyName ?? 'CodeInterpreterAccess' },
    responseElements: null,
  });
}

/** What SNS hands a Lambda subscriber: one record carrying `message` (the topic's `lambda` body). */
export function snsEvent(
  message: string,
  options: { topicArn?: string; subject?: string; messageId?: string } = {},
): SNSEvent {
  const topicArn = options.topicArn ?? `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:sub`,
        Sns: {
          Type: 'Notification',
          MessageId: options.messageId ?? 'm-1',
          TopicArn: topicArn,
          Subject: options.subject ?? 'subject',
          Message: message,
          Timestamp: '2026-11-26T09:00:00.000Z',
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}
