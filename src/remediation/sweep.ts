import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { errorMessage, errorName } from '../aws/errors.js';
import type { TimeBudget } from '../aws/time-budget.js';
import { InlinePolicySizeLimitError } from '../policy/size.js';
import { listManagedRoles } from '../roles/listing.js';
import { DEFAULTS } from '../settings.js';
import { ensureCodeInterpreterPolicy, type RemediationSettings } from './ensure.js';
import { REMEDIATION_STATUSES, type RemediationOutcome, type RemediationStatus } from './outcome.js';

export interface SweepFailure {
  roleName: string;
  /** From the listing, for the alert a permanent failure gets. */
  roleArn?: string;
  roleId?: string;
  errorName?: string | undefined;
  error: string;
  /**
   * Retrying cannot fix it (the role's inline policies leave no room for ours): reported once, and not a reason to
   * fail the run. Anything else (throttling, an outage) is transient: the next run tries again.
   */
  permanent: boolean;
}

/** One role's entry in a sweep: what `ensureCodeInterpreterPolicy` returned, or why it threw. */
export type SweepResult = RemediationOutcome | ({ status: 'failed' } & SweepFailure);

export interface SweepSummary {
  /** Roles ListRoles returned, matching or not. */
  scanned: number;
  /** Roles with a configured prefix: each was given to `ensureCodeInterpreterPolicy` once. */
  matched: number;
  counts: Record<RemediationStatus, number>;
  failed: number;
  /** Of `failed`, those that retrying cannot fix. */
  failedPermanently: number;
  failures: SweepFailure[];
  /** One entry per matched role, in listing order. */
  results: SweepResult[];
  durationMs: number;
}

export type SweepProgress =
  | { kind: 'listed'; matched: number; scanned: number }
  | { kind: 'outcome'; done: number; total: number; outcome: RemediationOutcome }
  | { kind: 'failure'; done: number; total: number; failure: SweepFailure };

export interface SweepOptions {
  iam: IAMClient;
  settings: RemediationSettings;
  /** Roles handled at once; IAM's quota is account-wide, so keep it small. */
  concurrency?: number;
  onProgress?: (progress: SweepProgress) => void;
  /** The invocation's time (the reconcile function's). */
  budget?: TimeBudget;
  /** Passed through to `ensureCodeInterpreterPolicy` (tests). */
  sleep?: (ms: number) => Promise<void>;
}

export class InvalidConcurrencyError extends Error {
  override name = 'InvalidConcurrencyError';
}

export function emptyCounts(): Record<RemediationStatus, number> {
  return Object.fromEntries(REMEDIATION_STATUSES.map((s) => [s, 0])) as Record<RemediationStatus, number>;
}

/**
 * Every role with a configured prefix → `ensureCodeInterpreterPolicy`, a few at a time. One role's failure is
 * recorded and the sweep goes on; the caller decides what a failure means (the Lambda throws at the end).
 */
export async function sweepRoles(options: SweepOptions): Promise<SweepSummary> {
  const { iam, onProgress, sleep, budget } = options;
  // Listed roles exist: a NoSuchEntity now means deleted since, not IAM catching up after CreateRole (the
  // CreateRole rule covers new roles), so the sweep does not wait for it.
  const settings = { ...options.settings, roleNotFoundRetryMs: 0 };
  const concurrency = options.concurrency ?? DEFAULTS.sweepConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidConcurrencyError(`Concurrency must be a whole number of at least 1, not ${concurrency}.`);
  }
  const started = performance.now();
  const listing = await listManagedRoles(iam, settings.rolePrefixes);
  onProgress?.({ kind: 'listed', matched: listing.roles.length, scanned: listing.scanned });

  const counts = emptyCounts();
  const failures: SweepFailure[] = [];
  const results: SweepResult[] = [];
  const total = listing.roles.length;
  let done = 0;
  const limit = pLimit(concurrency);
  await Promise.all(
    listing.roles.map((role, index) =>
      limit(async () => {
        try {
          const outcome = await ensureCodeInterpreterPolicy(role, { iam, settings, budget, sleep });
          results[index] = outcome;
          counts[outcome.status] += 1;
          done += 1;
          onProgress?.({ kind: 'outcome', done, total, outcome });
        } catch (error) {
          const failure: SweepFailure = {
            roleName: role.roleName,
            roleArn: role.described?.Arn,
            roleId: role.described?.RoleId,
            errorName: errorName(error),
            error: errorMessage(error),
            permanent: error instanceof InlinePolicySizeLimitError,
          };
          failures.push(failure);
          results[index] = { status: 'failed', ...failure };
          done += 1;
          onProgress?.({ kind: 'failure', done, total, failure });
        }
      }),
    ),
  );
  return {
    scanned: listing.scanned,
    matched: total,
    counts,
    failed: failures.length,
    failedPermanently: failures.filter((f) => f.permanent).length,
    failures,
    results,
    durationMs: Math.round(performance.now() - started),
  };
}
