import { GetRoleCommand, GetRolePolicyCommand, type IAMClient, type Role } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../aws/arn.js';
import { isNoSuchEntity } from '../aws/errors.js';
import { samePolicy } from '../policy/canonical.js';
import { decodePolicyDocument } from '../policy/document.js';
import { buildPolicyDocument } from '../policy/profiles.js';
import { isExcluded, ROLE_PATH } from '../roles/ownership.js';
import { assessTrust } from '../roles/trust.js';
import type { MemberSettings } from './member-stack.js';

/**
 * Where a prefixed role stands, seen read-only: what `ensureCodeInterpreterPolicy` would find, without its writes.
 * - compliant: our policy is there, as the account's profile writes it;
 * - unfixed: it is ours, and our policy is absent or different (a sweep would write it: "would-remediate");
 * - excluded: tagged agentcore-guard:exclude=true;
 * - untrusted: its trust policy fails the trust gate; at-path: it sits at a path. Neither is ours to write.
 * - gone: deleted between the listing and the read.
 */
export type RoleStanding = 'compliant' | 'unfixed' | 'excluded' | 'untrusted' | 'at-path' | 'gone';

export interface RoleAudit {
  roleName: string;
  standing: RoleStanding;
  /** Why, when it is not compliant: the trust gate's reason, the path, "absent" or "different". */
  detail?: string;
}

/**
 * One role, as ListRoles described it (name, ARN, path, trust policy), judged by the same rules and in the same
 * order as the remediation: path, trust, our policy, the exclusion tag. Two reads at most: our policy, and the
 * role's tags when our policy is not in place. Account and partition come from the role's ARN, as IAM gave it.
 */
export async function auditRole(role: Role, iam: IAMClient, settings: MemberSettings): Promise<RoleAudit> {
  const roleName = role.RoleName ?? '';
  const arn = parseRoleArn(role.Arn ?? '');
  if (arn.path !== ROLE_PATH) return { roleName, standing: 'at-path', detail: arn.path };
  const trust = assessTrust(role.AssumeRolePolicyDocument, arn.account);
  if (!trust.trusted) return { roleName, standing: 'untrusted', detail: trust.reason };

  let current: string | undefined;
  try {
    ({ PolicyDocument: current } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: settings.policyName }),
    ));
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error;
  }
  const desired = buildPolicyDocument(settings.policyProfile, arn, { customInterpreters: settings.customInterpreters });
  if (current && samePolicy(decodePolicyDocument(current), desired)) return { roleName, standing: 'compliant' };

  let tagged: Role | undefined;
  try {
    tagged = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (isNoSuchEntity(error)) return { roleName, standing: 'gone' };
    throw error;
  }
  if (isExcluded(tagged?.Tags)) return { roleName, standing: 'excluded' };
  return { roleName, standing: 'unfixed', detail: current ? 'different' : 'absent' };
}
