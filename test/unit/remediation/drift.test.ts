import { GetRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../../src/aws/arn.js';
import { readRoleEvent } from '../../../src/events/role-event.js';
import { leastPrivilegePolicy } from '../../../src/policy/profiles.js';
import { ensureCodeInterpreterPolicy, type RemediationSettings } from '../../../src/remediation/ensure.js';

const iamMock = mockClient(IAMClient);
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-abc';
const settings: RemediationSettings = {
  rolePrefixes: ['AmazonBedrockAgentCoreSDKRuntime-'],
  policyProfile: 'least-privilege',
  policyName: 'CodeInterpreterAccess',
  dryRun: false,
  roleNotFoundRetryMs: 0,
};

/** The event CloudTrail emits for our own PutRolePolicy: the drift rule matches it too. */
const ourWriteEvent = {
  id: 'e-drift-1',
  source: 'aws.iam',
  'detail-type': 'AWS API Call via CloudTrail',
  detail: {
    eventSource: 'iam.amazonaws.com',
    eventName: 'PutRolePolicy',
    requestParameters: { roleName, policyName: 'CodeInterpreterAccess' },
    responseElements: null,
  },
};

describe('drift self-heal', () => {
  beforeEach(() => iamMock.reset());

  it('answers the event of its own write with reads only, so it cannot loop', async () => {
    // Prepare: the role already carries the policy our write just put there; any other call fails the test.
    const read = readRoleEvent(ourWriteEvent);
    if (read.kind !== 'role') throw new Error(`expected a role event, got ${read.kind}`);
    const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
    const document = leastPrivilegePolicy(parseRoleArn(roleArn));
    iamMock.onAnyCommand().rejects(new Error('unexpected call'));
    iamMock
      .on(GetRoleCommand)
      .resolves({ Role: { RoleName: roleName, Arn: roleArn, Path: '/', RoleId: 'x', CreateDate: new Date() } });
    iamMock.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(JSON.stringify(document)) });

    // Act
    const outcome = await ensureCodeInterpreterPolicy(read.role, {
      iam: new IAMClient({ region: 'us-east-1' }),
      settings,
    });

    // Assess
    expect(outcome.status).toBe('compliant');
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});
