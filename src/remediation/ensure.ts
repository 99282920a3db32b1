import {
  DeleteRolePolicyCommand,
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
import { parseRoleArn, type RoleArnParts } from '../aws/arn.js';
import { errorName, isNoSuchEntity } from '../aws/errors.js';
import { NO_TIME_LIMIT, OutOfTimeError, type TimeBudget } from '../aws/time-budget.js';
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
import { assessOwnership, isExcluded, isManagedRoleName } from '../roles/ownership.js';
import type { RoleRef } from '../roles/role.js';
import { POLICY_PROFILES } from '../settings.js';
import type { RemediationOutcome, RoleFinding } from './outcome.js';

export type RemediationSettings = Pick<
  Config,
  'rolePrefixes' | 'policyProfile' | 'policyName' | 'dryRun' | 'roleNotFoundRetryMs'
> &
  Partial<Pick<Config, 'customInterpreters' | 'removeFromUntrusted'>>;

export interface RemediationDeps {
  iam: IAMClient;
  settings: RemediationSettings;
  /** The invocation's time: waiting for a new role to appear stops when it is spent. */
  budget?: TimeBudget;
  /** Injected so tests need not wait out IAM's eventual consistency. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Told of each write once IAM took it (a put, or our policy's removal from an untrusted role), with the outcome
   * that carries its change: for a caller that keeps only the status (the health check's self-heal) to log it.
   */
  onWrite?: (outcome: RemediationOutcome) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Makes sure a role of ours carries our Code Interpreter inline policy, writing only when it is absent or different.
 * The one function that writes to a role. Ours means: a configured name prefix, path `/`, and a trust policy that
 * lets only AgentCore assume it for this account (`assessTrust`); partition and account come from IAM's ARN.
 *
 * Reads: the role (GetRole, unless the caller's listing already described it) and our policy: two calls for a
 * compliant role named by an event, one in a sweep. The tags (exclusion) and the sizes of the other inline policies
 * only when a write is due. Other policies are never changed.
 */
export async function ensureCodeInterpreterPolicy(ref: RoleRef, deps: RemediationDeps): Promise<RemediationOutcome> {
  const { iam, settings } = deps;
  const { roleName } = ref;
  const policyName = settings.policyName;
  if (!isManagedRoleName(roleName, settings.rolePrefixes)) return { status: 'ignored', roleName };

  let role: Role | undefined = ref.described;
  let waitedMs = 0;
  if (!role) ({ role, waitedMs } = await getRoleWaitingForConsistency(roleName, deps));
  if (!role) return { status: 'role-not-found', roleName, waitedMs };
  const arn = parseRoleArn(role.Arn ?? '');
  const identity = { roleName, roleArn: role.Arn ?? '', roleId: role.RoleId ?? '' };
  const ownership = assessOwnership({ ...role, RoleName: roleName }, settings.rolePrefixes);
  if (!ownership.ours && ownership.because === 'unsupported-path') {
    return { status: 'unsupported-path', ...identity, path: arn.path };
  }

  const desired = buildPolicyDocument(settings.policyProfile, arn, { customInterpreters: settings.customInterpreters });
  const current = await getInlinePolicy(iam, roleName, policyName);
  // The name was checked above: what is left to fail is the trust gate.
  if (!ownership.ours) {
    const finding = await untrusted(identity, ownership.reason, current, arn, deps);
    if (finding.removed) deps.onWrite?.(finding);
    return finding;
  }
  if (current && samePolicy(current, desired)) return { status: 'compliant', roleName, policyName };

  // A listing has no tags: the exclusion tag is read from IAM before any write.
  if (!role.Tags) {
    role = await getRole(iam, roleName);
    if (!role) return { status: 'role-not-found', roleName, waitedMs };
  }
  if (isExcluded(role.Tags)) return { status: 'excluded', roleName };

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
  const written: RemediationOutcome = { status: 'remediated', roleName, policyName, previous, change };
  deps.onWrite?.(written);
  return written;
}

/**
 * A prefixed role that fails the trust gate: nothing is written. When it already holds our policy (say, its trust
 * policy was changed after we wrote) and removal is switched on, our policy (and only a document one of our profiles
 * writes, never a policy of another's that shares the name) is deleted.
 */
async function untrusted(
  identity: { roleName: string; roleArn: string; roleId: string },
  reason: string,
  current: PolicyDocument | undefined,
  arn: RoleArnParts,
  { iam, settings }: RemediationDeps,
): Promise<Extract<RoleFinding, { status: 'untrusted' }>> {
  const ours =
    current !== undefined &&
    POLICY_PROFILES.flatMap((profile) => [
      buildPolicyDocument(profile, arn, { customInterpreters: false }),
      buildPolicyDocument(profile, arn, { customInterpreters: true }),
    ]).some((document) => samePolicy(current, document));
  let removed = false;
  if (ours && settings.removeFromUntrusted && !settings.dryRun) {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: identity.roleName, PolicyName: settings.policyName }));
    removed = true;
  }
  return { status: 'untrusted', ...identity, reason, carriesOurPolicy: current !== undefined, removed };
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
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

/**
 * Right after `CreateRole`, IAM may still answer `NoSuchEntity`: back off until the retry budget is spent. Running
 * out of the invocation's time first is an `OutOfTimeError`, so the event is delivered again rather than dropped.
 */
async function getRoleWaitingForConsistency(
  roleName: string,
  { iam, settings, budget = NO_TIME_LIMIT, sleep = realSleep }: RemediationDeps,
): Promise<{ role: Role | undefined; waitedMs: number }> {
  let waitedMs = 0;
  let delay = 250;
  for (;;) {
    const found = await getRole(iam, roleName);
    if (found) return { role: found, waitedMs };
    if (waitedMs >= settings.roleNotFoundRetryMs) return { role: undefined, waitedMs };
    const wait = Math.min(delay, settings.roleNotFoundRetryMs - waitedMs);
    if (wait >= budget.remainingMs()) {
      budget.markSpent?.();
      throw new OutOfTimeError(
        `Role ${roleName} was not visible in IAM yet, and the invocation has no time left to wait for it; ` +
          'the event will be delivered again.',
      );
    }
    await sleep(wait);
    waitedMs += wait;
    delay = Math.min(delay * 2, 4_000);
  }
}

/** The role as IAM describes it (ARN, path, trust policy, tags); undefined when IAM does not know it. */
async function getRole(iam: IAMClient, roleName: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
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
