import { describe, expect, it } from 'vitest';
import { assessOwnership } from '../../../src/roles/ownership.js';
import { ACCOUNT, describedRole, TOOLKIT_PREFIX, toolkitTrustPolicy } from '../../support/iam-fixtures.js';

const prefixes = [TOOLKIT_PREFIX];
const trustingAlso = (principal: Record<string, string>) =>
  encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'bedrock-agentcore.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' },
      ],
    }),
  );

describe('assessOwnership', () => {
  it('calls a prefixed role at / that only AgentCore may assume ours', () => {
    // Act
    const ownership = assessOwnership(describedRole(`${TOOLKIT_PREFIX}a`), prefixes);
    // Assess
    expect(ownership).toEqual({ ours: true });
  });

  it('says a role without a configured prefix is not ours, naming the prefixes', () => {
    // Act
    const ownership = assessOwnership(describedRole('MyStack-AgentRuntimeRole1A2B3C-XYZ'), ['Agent-', 'Tools-']);
    // Assess
    expect(ownership).toEqual({
      ours: false,
      because: 'no-prefix',
      reason: 'its name has none of the prefixes Agent-, Tools-',
    });
  });

  it('says a prefixed role at a path is not ours, naming the path', () => {
    // Act
    const ownership = assessOwnership(describedRole(`${TOOLKIT_PREFIX}a`, { Path: '/team/' }), prefixes);
    // Assess
    expect(ownership).toMatchObject({
      ours: false,
      because: 'unsupported-path',
      reason: expect.stringContaining('/team/'),
    });
  });

  it('says a prefixed role that another account may assume is not ours, and why', () => {
    // Prepare
    const role = describedRole(`${TOOLKIT_PREFIX}evil`, {
      AssumeRolePolicyDocument: trustingAlso({ AWS: 'arn:aws:iam::999999999999:root' }),
    });
    // Act
    const ownership = assessOwnership(role, prefixes);
    // Assess
    expect(ownership).toMatchObject({ ours: false, because: 'untrusted' });
    expect(ownership.ours || ownership.reason).toContain('999999999999');
  });

  it("judges the trust policy against the role's own account", () => {
    // Prepare: the toolkit's conditions name the account the ARN does not
    const role = describedRole(`${TOOLKIT_PREFIX}a`, {
      AssumeRolePolicyDocument: encodeURIComponent(toolkitTrustPolicy('210987654321')),
    });
    // Act
    const ownership = assessOwnership(role, prefixes);
    // Assess
    expect(role.Arn).toContain(ACCOUNT);
    expect(ownership).toMatchObject({
      ours: false,
      because: 'untrusted',
      reason: expect.stringContaining('210987654321'),
    });
  });
});
