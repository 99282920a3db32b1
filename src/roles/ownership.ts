import type { Role, Tag } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../aws/arn.js';
import { assessTrust } from './trust.js';

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

/**
 * Whether a role is ours to write to, and if not, which rule it fails and why (a clause: "its name has none of the
 * prefixes …"). Rules are checked in the order `ensureCodeInterpreterPolicy` applies them.
 */
export type Ownership =
  | { ours: true }
  | { ours: false; because: 'no-prefix' | 'unsupported-path' | 'untrusted'; reason: string };

/**
 * Is this role, as IAM describes it (GetRole or ListRoles: name, ARN, trust policy), ours? A configured name prefix,
 * path `/`, and a trust policy that lets only AgentCore assume it for the role's own account (`assessTrust`). Reads
 * nothing and writes nothing: the one predicate for every path that decides or reports ownership. The exclusion tag
 * is apart: an excluded role is ours, only left alone.
 */
export function assessOwnership(
  role: Pick<Role, 'RoleName' | 'Arn' | 'AssumeRolePolicyDocument'>,
  prefixes: readonly string[],
): Ownership {
  const arn = parseRoleArn(role.Arn ?? '');
  const roleName = role.RoleName ?? arn.roleName;
  if (!isManagedRoleName(roleName, prefixes)) {
    return { ours: false, because: 'no-prefix', reason: `its name has none of the prefixes ${prefixes.join(', ')}` };
  }
  if (arn.path !== ROLE_PATH) {
    return { ours: false, because: 'unsupported-path', reason: `it sits at path ${arn.path}, not at /` };
  }
  const trust = assessTrust(role.AssumeRolePolicyDocument, arn.account);
  if (!trust.trusted) return { ours: false, because: 'untrusted', reason: trust.reason };
  return { ours: true };
}
