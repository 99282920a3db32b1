import type { Role } from '@aws-sdk/client-iam';

/**
 * A role as the callers know it: its name, and what IAM itself said about it when the caller already asked
 * (ListRoles gives ARN, path, id and trust policy; GetRole tags too). Never facts from an event: an event's ARN or
 * trust policy may be forged, or stale.
 */
export interface RoleRef {
  roleName: string;
  described?: Role;
}
