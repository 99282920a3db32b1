import { GetRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../../src/aws/arn.js';
import { readRoleEvent } from '../../../src/events/role-event.js';
import { leastPrivilegePolicy } from '../../../src/policy/profiles.js';
import { ensureCodeInterpreterPolicy } from '../../../src/remediation/ensure.js';
import { rolePolicyEvent } from '../../support/events.js';
import { describedRole, remediationSettings, roleArn } from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-abc';
const settings = remediationSettings();

/** The event CloudTrail emits for our own PutRolePolicy: the drift rule matches it too. */
const ourWriteEvent = rolePolicyEvent('PutRolePolicy', roleName, { id: 'e-drift-1' });

describe('drift self-heal', () => {
  beforeEach(() => iamMock.reset());

  it('answers the event of its own write with reads only, so it cannot loop', async () => {
    // Prepare: the role already carries the policy our write just put there; any other call fails the test.
    const read = readRoleEvent(ourWriteEvent);
    if (read.kind !== 'role') throw new Error(`expected a role event, got ${read.kind}`);
    const document = leastPrivilegePolicy(parseRoleArn(roleArn(roleName)));
    iamMock.onAnyCommand().rejects(new Error('unexpected call'));
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Tags: [] }) });
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
