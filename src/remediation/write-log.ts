import { logger } from '../observability.js';
import type { ListChange, PolicyChange } from '../policy/diff.js';
import { EXCLUDE_TAG_KEY } from '../roles/ownership.js';
import type { RemediationOutcome } from './outcome.js';

/**
 * Why a write happened: the CloudTrail event name that caused it (`CreateRole`, `PutRolePolicy`, `CreateAgentRuntime`…),
 * `sweep` (the reconcile schedule) or `self-heal` (the health check found the role denied).
 */
export type WriteReason = string;

/** One write to a role, as a person reads it to see what changed and to undo it. */
export interface PolicyWrite {
  /** The IAM call made: CloudTrail has the same call, with the whole document for a put. */
  action: 'PutRolePolicy' | 'DeleteRolePolicy';
  role: string;
  policyName: string;
  /** For a put: whether the role had a policy of that name before. */
  previous?: 'absent' | 'different';
  /** For a put: what it changed, each list cut to `WRITE_LOG_LIMITS`. */
  change?: PolicyChange;
  /** What a person runs to take it back (after tagging the role out of scope, or the guard writes it again). */
  undo: string;
}

/** A policy change's lists keep this many entries of this many characters in the log; CloudTrail has the rest. */
export const WRITE_LOG_LIMITS = { entries: 20, characters: 256 } as const;

/** The write an outcome stands for, if it stands for one: a put (`remediated`) or our policy's removal (`untrusted`). */
export function policyWriteOf(outcome: RemediationOutcome, policyName: string): PolicyWrite | undefined {
  const exclude = `aws iam tag-role --role-name ${outcome.roleName} --tags Key=${EXCLUDE_TAG_KEY},Value=true`;
  if (outcome.status === 'remediated') {
    const undo =
      outcome.previous === 'absent'
        ? `${exclude}; aws iam delete-role-policy --role-name ${outcome.roleName} --policy-name ${outcome.policyName}`
        : `${exclude}; then put back the previous document (CloudTrail, docs/operations.md)`;
    return {
      action: 'PutRolePolicy',
      role: outcome.roleName,
      policyName: outcome.policyName,
      previous: outcome.previous,
      change: boundedChange(outcome.change),
      undo,
    };
  }
  if (outcome.status === 'untrusted' && outcome.removed) {
    return {
      action: 'DeleteRolePolicy',
      role: outcome.roleName,
      policyName,
      undo: 'put the removed document back only once the role trusts AgentCore alone (CloudTrail, docs/operations.md)',
    };
  }
  return undefined;
}

/**
 * Logs the write an outcome stands for, if any: one `policy written` line with the role, the reason and the change.
 * `context` adds what identifies the cause (the event id, the agent). Returns whether a line was written.
 */
export function logPolicyWrite(
  outcome: RemediationOutcome,
  context: { reason: WriteReason; policyName: string } & Record<string, string>,
): boolean {
  const { reason, policyName, ...cause } = context;
  const write = policyWriteOf(outcome, policyName);
  if (!write) return false;
  logger.info('policy written', { reason, ...cause, ...write });
  return true;
}

function boundedChange(change: PolicyChange): PolicyChange {
  return {
    actions: boundedLists(change.actions),
    resources: boundedLists(change.resources),
    conditions: {
      added: bounded(change.conditions.added),
      removed: bounded(change.conditions.removed),
      changed: bounded(change.conditions.changed),
    },
    other: bounded(change.other),
  };
}

const boundedLists = ({ added, removed }: ListChange): ListChange => ({
  added: bounded(added),
  removed: bounded(removed),
});

function bounded(entries: string[]): string[] {
  const { entries: most, characters } = WRITE_LOG_LIMITS;
  const cut = (entry: string) => (entry.length <= characters ? entry : `${entry.slice(0, characters)}…`);
  const kept = entries.slice(0, most).map(cut);
  return entries.length > most ? [...kept, `…and ${entries.length - most} more`] : kept;
}
