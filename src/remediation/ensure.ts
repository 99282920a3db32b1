import {
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
  type PutRolePolicyCommandInput,
  type PutRolePolicyCommandOutput,
  paginateListRolePolicies,
  type Role,
} from '@aws-sdk/client-iam';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { InvalidRoleArnError, parseRoleArn } from '../aws/arn.js';
import { errorName, isNoSuchEntity } from '../aws/errors.js';
import type { Config } from '../config.js';
import { samePolicy } from '../policy/canonical.js';
import { diffPolicy } from '../policy/diff.js';
import { decodePolicyDocument, decodePolicyText, type PolicyDocument } from '../policy/document.js';
import { buildPolicyDocument } from '../policy/profiles.js';
import {
  assertFitsInlineQuota,
  InlinePolicySizeLimitError,
  type InlinePolicySizes,
  policySize,
} from '../policy/size.js';
import { isExcluded, isManagedRoleName } from '../roles/ownership.js';
import type { RoleRef } from '../roles/role.js';
import type { RemediationOutcome } from './outcome.js';

export type RemediationSettings = Pick<
  Config,
  'rolePrefixes' | 'policyProfile' | 'policyName' | 'dryRun' | 'roleNotFoundRetryMs'
> &
  Partial<Pick<Config, 'customInterpreters'>>;

export interface RemediationDeps {
  iam: IAMClient;
  settings: RemediationSettings;
  /** Injected so tests need not wait out IAM's eventual consistency. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Makes sure `role` carries our Code Interpreter inline policy, writing only when it is absent or different.
 * Reads: our policy first (one call for a compliant role); the role itself (ARN, exclusion tag) and the sizes
 * of the other inline policies only when a write is due. Other policies are never changed.
 */
export async function ensureCodeInterpreterPolicy(role: RoleRef, deps: RemediationDeps): Promise<RemediationOutcome> {
  const { iam, settings } = deps;
  const { roleName } = role;
  const policyName = settings.policyName;
  if (!isManagedRoleName(roleName, settings.rolePrefixes)) return { status: 'ignored', roleName };

  let described: Role | undefined;
  let waitedMs = 0;
  const describe = async (): Promise<Role | undefined> => {
    if (described) return described;
    const found = await getRoleWaitingForConsistency(roleName, deps);
    waitedMs = found.waitedMs;
    described = found.role;
    return described;
  };

  const roleArn = role.roleArn ?? (await describe())?.Arn;
  if (!roleArn) return { status: 'role-not-found', roleName, waitedMs };
  const arnParts = parseRoleArn(roleArn);
  if (arnParts.roleName !== roleName) {
    throw new InvalidRoleArnError(`Role ARN ${roleArn} does not name role ${roleName}; the event is inconsistent.`);
  }
  const desired = buildPolicyDocument(settings.policyProfile, arnParts, settings);

  const current = await getInlinePolicy(iam, roleName, policyName);
  if (current && samePolicy(current, desired)) return { status: 'compliant', roleName, policyName };

  const found = await describe();
  if (!found) return { status: 'role-not-found', roleName, waitedMs };
  if (isExcluded(found.Tags)) return { status: 'excluded', roleName };

  const desiredText = JSON.stringify(desired);
  const sizes = { ours: policySize(desiredText), others: await otherInlinePolicySizes(iam, roleName, policyName) };
  assertFitsInlineQuota(roleName, sizes);

  const previous = current ? 'different' : 'absent';
  const change = diffPolicy(current, desired);
  if (settings.dryRun) return { status: 'would-remediate', roleName, policyName, previous, change };

  const put = new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: desiredText });
  put.middlewareStack.add(inlineQuotaIsNotThrottling(roleName, sizes), {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'inlineQuotaIsNotThrottling',
  });
  await iam.send(put);
  return { status: 'remediated', roleName, policyName, previous, change };
}

/**
 * IAM answers a write past the inline quota with `LimitExceeded`, which the SDK classes as throttling and retries
 * for minutes. Only a concurrent writer can cause it after our size check, and waiting does not help: turn it into
 * the size error inside the retry loop (this middleware runs below the retry step), so it fails at once.
 */
function inlineQuotaIsNotThrottling(
  roleName: string,
  sizes: InlinePolicySizes,
): FinalizeRequestMiddleware<PutRolePolicyCommandInput, PutRolePolicyCommandOutput> {
  return (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (errorName(error) === 'LimitExceededException') throw new InlinePolicySizeLimitError(roleName, sizes, true);
      throw error;
    }
  };
}

async function getInlinePolicy(
  iam: IAMClient,
  roleName: string,
  policyName: string,
): Promise<PolicyDocument | undefined> {
  try {
    const { PolicyDocument: raw } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    return raw ? decodePolicyDocument(raw) : undefined;
  } catch (error) {
    // Missing policy, or a role IAM does not show yet: both are settled by `describe` before any write.
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

/** Right after `CreateRole`, IAM may still answer `NoSuchEntity`: back off until the budget is spent. */
async function getRoleWaitingForConsistency(
  roleName: string,
  { iam, settings, sleep = realSleep }: RemediationDeps,
): Promise<{ role: Role | undefined; waitedMs: number }> {
  let waitedMs = 0;
  let delay = 250;
  for (;;) {
    try {
      const { Role: found } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
      return { role: found, waitedMs };
    } catch (error) {
      if (!isNoSuchEntity(error)) throw error;
      if (waitedMs >= settings.roleNotFoundRetryMs) return { role: undefined, waitedMs };
      const wait = Math.min(delay, settings.roleNotFoundRetryMs - waitedMs);
      await sleep(wait);
      waitedMs += wait;
      delay = Math.min(delay * 2, 4_000);
    }
  }
}

/** Sizes only: the other policies' content is measured, never changed. */
async function otherInlinePolicySizes(iam: IAMClient, roleName: string, ourName: string) {
  const names: string[] = [];
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: roleName })) {
    names.push(...(page.PolicyNames ?? []).filter((n) => n !== ourName));
  }
  return Promise.all(
    names.map(async (policyName) => {
      const { PolicyDocument: raw = '' } = await iam.send(
        new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
      );
      return { policyName, size: policySize(decodePolicyText(raw)) };
    }),
  );
}
