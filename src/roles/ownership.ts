import type { Tag } from '@aws-sdk/client-iam';

/** Our roles sit at the root: a role at a path is outside the functions' IAM scope (an explicit Deny). */
export const ROLE_PATH = '/';

/** A role tagged with this key and value `true` is never written to. */
export const EXCLUDE_TAG_KEY = 'agentcore-guard:exclude';

export function isManagedRoleName(roleName: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => roleName.startsWith(prefix));
}

export function isExcluded(tags: readonly Tag[] | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === EXCLUDE_TAG_KEY && t.Value?.trim().toLowerCase() === 'true');
}
