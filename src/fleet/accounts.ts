import {
  type Account,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';

/** A member account as Organizations lists it. */
export interface FleetAccount {
  accountId: string;
  name?: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE…: only active accounts are audited. */
  state: string;
}

/**
 * The organization's accounts, or, given `parentId` (an OU or the root), the accounts under it at any depth.
 * Sorted by id, so that reports of two runs line up.
 */
export async function listFleetAccounts(org: OrganizationsClient, parentId?: string): Promise<FleetAccount[]> {
  const accounts: Account[] = [];
  if (parentId === undefined) {
    for await (const page of paginateListAccounts({ client: org }, {})) accounts.push(...(page.Accounts ?? []));
  } else {
    await collectUnder(org, parentId, accounts);
  }
  return accounts
    .filter((a): a is Account & { Id: string } => Boolean(a.Id))
    .map((a) => ({ accountId: a.Id, name: a.Name, state: String(a.State ?? a.Status ?? 'ACTIVE') }))
    .sort((a, b) => a.accountId.localeCompare(b.accountId));
}

/** Depth first; Organizations nests OUs at most five deep, so the recursion stays shallow. */
async function collectUnder(org: OrganizationsClient, parentId: string, into: Account[]): Promise<void> {
  for await (const page of paginateListAccountsForParent({ client: org }, { ParentId: parentId })) {
    into.push(...(page.Accounts ?? []));
  }
  for await (const page of paginateListOrganizationalUnitsForParent({ client: org }, { ParentId: parentId })) {
    for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) await collectUnder(org, ou.Id, into);
  }
}
