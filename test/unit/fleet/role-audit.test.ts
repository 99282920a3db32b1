import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  type Role,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { memberSettings } from '../../../src/fleet/member-stack.js';
import { auditRole, type RoleStanding } from '../../../src/fleet/role-audit.js';
import { ensureCodeInterpreterPolicy } from '../../../src/remediation/ensure.js';
import { compliantPolicyFor, memberStackOutputs, STACK_NAME } from '../../support/fleet-fixtures.js';
import {
  describedRole,
  noSuchEntity,
  remediationSettings,
  roleArn,
  TOOLKIT_PREFIX,
} from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const settings = memberSettings(STACK_NAME, memberStackOutputs());
const name = (suffix: string) => `${TOOLKIT_PREFIX}us-east-1-${suffix}`;

/** One role of each standing, as ListRoles describes them, and what IAM answers about each. */
const ROLES: Record<Exclude<RoleStanding, 'gone'>, Role> = {
  compliant: describedRole(name('compliant')),
  unfixed: describedRole(name('unfixed')),
  excluded: describedRole(name('excluded')),
  untrusted: describedRole(name('untrusted'), {
    AssumeRolePolicyDocument: encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' },
        ],
      }),
    ),
  }),
  'at-path': describedRole(name('pathed'), { Path: '/team/' }),
};

beforeEach(() => {
  iamMock.reset();
  iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iamMock
    .on(GetRolePolicyCommand, { RoleName: name('compliant'), PolicyName: 'CodeInterpreterAccess' })
    .resolves({ PolicyDocument: compliantPolicyFor(roleArn(name('compliant'))) });
  for (const role of Object.values(ROLES))
    iamMock.on(GetRoleCommand, { RoleName: role.RoleName }).resolves({ Role: role });
  iamMock.on(GetRoleCommand, { RoleName: name('excluded') }).resolves({
    Role: { ...ROLES.excluded, Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] },
  });
});

describe('a prefixed role, read-only', () => {
  it.each(Object.entries(ROLES))('%s', async (standing, role) => {
    // Act
    const audit = await auditRole(role, iam, settings);
    // Assess
    expect(audit.standing).toBe(standing);
  });

  it('says why a role is unfixed, untrusted or at a path', async () => {
    // Act
    const [unfixed, untrusted, atPath] = await Promise.all(
      [ROLES.unfixed, ROLES.untrusted, ROLES['at-path']].map((r) => auditRole(r, iam, settings)),
    );
    // Assess
    expect(unfixed?.detail).toBe('absent');
    expect(untrusted?.detail).toMatch(/999999999999/);
    expect(atPath?.detail).toBe('/team/');
  });

  it('judges by the account’s own policy name and profile: our policy under another name is unfixed', async () => {
    // Prepare
    const renamed = memberSettings(STACK_NAME, memberStackOutputs({ policyName: 'TeamCodeInterpreter' }));
    // Act
    const audit = await auditRole(ROLES.compliant, iam, renamed);
    // Assess
    expect(audit).toMatchObject({ standing: 'unfixed', detail: 'absent' });
  });

  it('calls a role deleted between the listing and the read gone', async () => {
    // Prepare
    iamMock.on(GetRoleCommand, { RoleName: name('unfixed') }).rejects(noSuchEntity());
    // Act
    const audit = await auditRole(ROLES.unfixed, iam, settings);
    // Assess
    expect(audit.standing).toBe('gone');
  });

  it('agrees with the remediation’s dry run on every role, and only reads', async () => {
    // Prepare
    const dryRun = remediationSettings({ dryRun: true });
    const expected: Record<string, string> = {
      compliant: 'compliant',
      unfixed: 'would-remediate',
      excluded: 'excluded',
      untrusted: 'untrusted',
      'at-path': 'unsupported-path',
    };
    // Act
    const pairs = [];
    for (const role of Object.values(ROLES)) {
      const audit = await auditRole(role, iam, settings);
      const outcome = await ensureCodeInterpreterPolicy(
        { roleName: role.RoleName ?? '', described: role },
        { iam, settings: { ...dryRun, policyName: settings.policyName } },
      );
      pairs.push([expected[audit.standing], outcome.status]);
    }
    // Assess
    for (const [fromAudit, fromDryRun] of pairs) expect(fromAudit).toBe(fromDryRun);
    const sent = iamMock.calls().map((call) => call.args[0].constructor.name);
    expect(sent.every((command) => /^Get|^List/.test(command))).toBe(true);
  });
});
