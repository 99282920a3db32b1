import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../../src/aws/arn.js';
import { leastPrivilegePolicy } from '../../../src/policy/profiles.js';
import { InvalidConcurrencyError, type SweepProgress, sweepRoles } from '../../../src/remediation/sweep.js';
import { describedRole, noSuchEntity, remediationSettings, roleArn } from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const settings = remediationSettings({ rolePrefixes: ['Agent-'] });
const ours = (name: string) => encodeURIComponent(JSON.stringify(leastPrivilegePolicy(parseRoleArn(roleArn(name)))));
const listed = (names: string[]) => ({ Roles: names.map((n) => describedRole(n)), IsTruncated: false });

describe('sweepRoles', () => {
  beforeEach(() => {
    iamMock.reset();
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock
      .on(GetRoleCommand)
      .callsFake(({ RoleName }: { RoleName: string }) => ({ Role: describedRole(RoleName, { Tags: [] }) }));
    iamMock.on(PutRolePolicyCommand).resolves({});
  });

  it('counts each outcome and fixes only the non-compliant matching roles', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves(listed(['Agent-ok', 'Agent-missing', 'Agent-excluded', 'unrelated']));
    iamMock.on(GetRolePolicyCommand, { RoleName: 'Agent-ok' }).resolves({ PolicyDocument: ours('Agent-ok') });
    iamMock.on(GetRolePolicyCommand, { RoleName: 'Agent-missing' }).rejects(noSuchEntity());
    iamMock.on(GetRolePolicyCommand, { RoleName: 'Agent-excluded' }).rejects(noSuchEntity());
    iamMock.on(GetRoleCommand, { RoleName: 'Agent-excluded' }).resolves({
      Role: describedRole('Agent-excluded', { Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] }),
    });

    // Act
    const summary = await sweepRoles({ iam, settings });

    // Assess
    expect(summary).toMatchObject({ scanned: 4, matched: 3, failed: 0, failures: [] });
    expect(summary.counts).toMatchObject({ compliant: 1, remediated: 1, excluded: 1, ignored: 0 });
    expect(iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: 'Agent-missing' });
  });

  it('records a failing role and still handles every other role', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves(listed(['Agent-1', 'Agent-broken', 'Agent-3']));
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock
      .on(GetRolePolicyCommand, { RoleName: 'Agent-broken' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    // Act
    const summary = await sweepRoles({ iam, settings });

    // Assess
    expect(summary.counts.remediated).toBe(2);
    expect(summary.failed).toBe(1);
    expect(summary.failures).toEqual([
      {
        roleName: 'Agent-broken',
        roleArn: roleArn('Agent-broken'),
        roleId: expect.any(String),
        errorName: 'Throttling',
        error: 'Rate exceeded',
        permanent: false,
      },
    ]);
    expect(summary.failedPermanently).toBe(0);
  });

  it('never has more roles in flight than the concurrency allows', async () => {
    // Prepare
    const names = Array.from({ length: 12 }, (_, i) => `Agent-${i}`);
    iamMock.on(ListRolesCommand).resolves(listed(names));
    let inFlight = 0;
    let peak = 0;
    iamMock.on(GetRolePolicyCommand).callsFake(async ({ RoleName }: { RoleName: string }) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { PolicyDocument: ours(RoleName) };
    });

    // Act
    const summary = await sweepRoles({ iam, settings, concurrency: 3 });

    // Assess
    expect(summary.counts.compliant).toBe(12);
    expect(peak).toBe(3);
  });

  it('reports progress once per role after saying how many roles it found', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves(listed(['Agent-a', 'Agent-b', 'other']));
    iamMock
      .on(GetRolePolicyCommand)
      .callsFake(({ RoleName }: { RoleName: string }) => ({ PolicyDocument: ours(RoleName) }));
    const events: SweepProgress[] = [];

    // Act
    await sweepRoles({ iam, settings, onProgress: (p) => events.push(p) });

    // Assess
    expect(events.map((e) => e.kind)).toEqual(['listed', 'outcome', 'outcome']);
    expect(events[0]).toEqual({ kind: 'listed', matched: 2, scanned: 3 });
    expect(events.at(-1)).toMatchObject({ done: 2, total: 2 });
  });

  it('writes nothing in dry-run mode and counts what it would fix', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves(listed(['Agent-a']));
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());

    // Act
    const summary = await sweepRoles({ iam, settings: { ...settings, dryRun: true } });

    // Assess
    expect(summary.counts['would-remediate']).toBe(1);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('refuses a concurrency below one before calling IAM', async () => {
    // Act
    const sweep = sweepRoles({ iam, settings, concurrency: 0 });

    // Assess
    await expect(sweep).rejects.toBeInstanceOf(InvalidConcurrencyError);
    expect(iamMock).not.toHaveReceivedCommand(ListRolesCommand);
  });
});

describe('sweepRoles and deleted roles', () => {
  beforeEach(() => iamMock.reset());

  it('does not wait out eventual consistency for a listed role that has since been deleted', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves(listed(['Agent-gone']));
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(GetRoleCommand).rejects(noSuchEntity());
    const waits: number[] = [];

    // Act
    const summary = await sweepRoles({
      iam,
      settings: { ...settings, roleNotFoundRetryMs: 30_000 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Assess
    expect(summary.counts['role-not-found']).toBe(1);
    expect(waits).toEqual([]);
  });
});
