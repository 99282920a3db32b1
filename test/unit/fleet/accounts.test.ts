import {
  type AccountState,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountReport } from '../../../src/fleet/account-audit.js';
import { listFleetAccounts } from '../../../src/fleet/accounts.js';
import { runFleetReport } from '../../../src/fleet/report.js';

const org = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });
const account = (Id: string, State: AccountState = 'ACTIVE') => ({ Id, Name: `account-${Id}`, State });

beforeEach(() => org.reset());

describe('the accounts the report covers', () => {
  it('are every account of the organization, across pages, in id order', async () => {
    // Prepare
    org
      .on(ListAccountsCommand)
      .resolvesOnce({ Accounts: [account('333333333333'), account('111111111111')], NextToken: 'next' })
      .resolves({ Accounts: [account('222222222222', 'SUSPENDED')] });
    // Act
    const accounts = await listFleetAccounts(client);
    // Assess
    expect(accounts).toEqual([
      { accountId: '111111111111', name: 'account-111111111111', state: 'ACTIVE' },
      { accountId: '222222222222', name: 'account-222222222222', state: 'SUSPENDED' },
      { accountId: '333333333333', name: 'account-333333333333', state: 'ACTIVE' },
    ]);
  });

  it('are, with an OU, the accounts under it at any depth, and no others', async () => {
    // Prepare: ou-top holds one account and ou-team, which holds another and ou-deep with a third.
    org.on(ListAccountsForParentCommand, { ParentId: 'ou-top' }).resolves({ Accounts: [account('111111111111')] });
    org.on(ListAccountsForParentCommand, { ParentId: 'ou-team' }).resolves({ Accounts: [account('222222222222')] });
    org.on(ListAccountsForParentCommand, { ParentId: 'ou-deep' }).resolves({ Accounts: [account('333333333333')] });
    org.on(ListOrganizationalUnitsForParentCommand).resolves({ OrganizationalUnits: [] });
    org
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-top' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-team' }] });
    org
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-team' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-deep' }] });
    org.on(ListAccountsCommand).resolves({ Accounts: [account('999999999999')] });
    // Act
    const accounts = await listFleetAccounts(client, 'ou-top');
    // Assess
    expect(accounts.map((a) => a.accountId)).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(org).not.toHaveReceivedCommand(ListAccountsCommand);
  });
});

describe('the run over the accounts', () => {
  const row = (accountId: string, verdict: AccountReport['verdict']): AccountReport => ({
    accountId,
    state: 'ACTIVE',
    verdict,
    problems: verdict === 'healthy' ? [] : ['a problem'],
    durationMs: 0,
  });

  it('audits no more accounts at once than asked, and keeps their order', async () => {
    // Prepare
    const ids = Array.from({ length: 9 }, (_, i) => `${i}`.padStart(12, '0'));
    let inFlight = 0;
    let most = 0;
    const audit = async (a: { accountId: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 * (9 - Number(a.accountId))));
      inFlight -= 1;
      return row(a.accountId, 'healthy');
    };
    // Act
    const report = await runFleetReport({
      accounts: ids.map((accountId) => ({ accountId, state: 'ACTIVE' })),
      audit,
      concurrency: 3,
    });
    // Assess
    expect(most).toBe(3);
    expect(report.accounts.map((a) => a.accountId)).toEqual(ids);
  });

  it('is healthy only when no account is unhealthy or unreachable; skipped accounts do not count against it', async () => {
    // Prepare
    const verdicts = { '1': 'healthy', '2': 'skipped', '3': 'unreachable' } as const;
    const run = (ids: (keyof typeof verdicts)[]) =>
      runFleetReport({
        accounts: ids.map((accountId) => ({ accountId, state: 'ACTIVE' })),
        audit: async (a) => row(a.accountId, verdicts[a.accountId as keyof typeof verdicts]),
        concurrency: 2,
      });
    // Act
    const fine = await run(['1', '2']);
    const broken = await run(['1', '2', '3']);
    // Assess
    expect([fine.healthy, broken.healthy]).toEqual([true, false]);
    expect(broken.counts).toEqual({ accounts: 3, healthy: 1, unhealthy: 0, unreachable: 1, skipped: 1 });
  });
});
