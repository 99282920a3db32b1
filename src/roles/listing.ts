import { type IAMClient, paginateListRoles } from '@aws-sdk/client-iam';
import { isManagedRoleName } from './ownership.js';
import type { RoleRef } from './role.js';

/** ListRoles' largest page: fewer calls against IAM's account-wide request quota. */
export const LIST_ROLES_PAGE_SIZE = 1_000;

export interface RoleListing {
  /** Roles whose name starts with one of the prefixes, as ListRoles described them (saves a GetRole each). */
  roles: RoleRef[];
  /** Every role seen, matching or not. */
  scanned: number;
  pages: number;
}

/**
 * Every role of the account whose name starts with one of `prefixes`, across all ListRoles pages.
 * IAM has no server-side name filter, so all roles are read and filtered here.
 */
export async function listManagedRoles(
  iam: IAMClient,
  prefixes: readonly string[],
  pageSize: number = LIST_ROLES_PAGE_SIZE,
): Promise<RoleListing> {
  const roles: RoleRef[] = [];
  let scanned = 0;
  let pages = 0;
  for await (const page of paginateListRoles({ client: iam, pageSize }, {})) {
    pages += 1;
    for (const role of page.Roles ?? []) {
      scanned += 1;
      if (role.RoleName && isManagedRoleName(role.RoleName, prefixes)) {
        roles.push({ roleName: role.RoleName, described: role });
      }
    }
  }
  return { roles, scanned, pages };
}
