import { randomUUID } from 'node:crypto';

/** The trust policy the AgentCore starter toolkit gives its runtime roles. */
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

export interface CreateRoleEventInput {
  roleName: string;
  /** The ARN IAM returned; moto's for roles created there. */
  roleArn: string;
  roleId?: string;
  accountId?: string;
  eventTime?: Date;
}

/**
 * An EventBridge "AWS API Call via CloudTrail" event for a successful `CreateRole`, in the full shape CloudTrail
 * records it (userIdentity, request parameters, the role in responseElements with its URL-encoded trust policy).
 */
export function createRoleEvent(input: CreateRoleEventInput): Record<string, unknown> {
  const accountId = input.accountId ?? input.roleArn.split(':')[4] ?? '123456789012';
  const time = (input.eventTime ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const trust = JSON.stringify(AGENTCORE_TRUST_POLICY);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: accountId,
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.11',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEPRINCIPAL:developer',
        arn: `arn:aws:sts::${accountId}:assumed-role/Developer/developer`,
        accountId,
        accessKeyId: 'ASIAEXAMPLEKEY',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEPRINCIPAL',
            arn: `arn:aws:iam::${accountId}:role/Developer`,
            accountId,
            userName: 'Developer',
          },
          attributes: { creationDate: time, mfaAuthenticated: 'false' },
        },
      },
      eventTime: time,
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateRole',
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.10',
      userAgent: 'Boto3/1.40.0 md/Botocore#1.40.0 ua/2.1 os/linux lang/python#3.12 (bedrock-agentcore-starter-toolkit)',
      requestParameters: {
        roleName: input.roleName,
        path: '/',
        assumeRolePolicyDocument: trust,
        description: 'Execution role for BedrockAgentCore Runtime',
      },
      responseElements: {
        role: {
          path: '/',
          roleName: input.roleName,
          roleId: input.roleId ?? 'AROAEXAMPLEROLEID000',
          arn: input.roleArn,
          createDate: new Date(time).toUTCString().replace('GMT', 'UTC'),
          assumeRolePolicyDocument: encodeURIComponent(trust),
        },
      },
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 'iam.amazonaws.com',
      },
    },
  };
}
