import type { DirectCheck } from '../probes/direct.js';
import type { RemediationStatus } from '../remediation/outcome.js';

export const FAILURE_REASONS = [
  'permission-denied',
  'tool-not-executed',
  'wrong-answer',
  'invoke-error',
  'timeout',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];
export type Verdict = 'healthy' | 'failing';

/** Why the prompt probe did not run for an agent. */
export const PROMPT_SKIP_REASONS = ['permission-only-run', 'opted-out', 'tags-unreadable'] as const;
/**
 * - `permission-only-run`: the run's tier was `permission` (the hourly schedule);
 * - `opted-out`: the runtime is tagged `agentcore-guard:probe=off`;
 * - `tags-unreadable`: its tags could not be read, so it may be tagged off: no prompt, rather than tokens it forbade.
 */
export type PromptSkipReason = (typeof PROMPT_SKIP_REASONS)[number];

/** The permission probe's answer, reduced to what a verdict needs; or that it could not run. */
export type PermissionCheck = PermissionDecision | PermissionSkipped;

export interface PermissionDecision {
  status: 'allowed' | 'denied';
  method: 'simulate' | 'local';
  deniedActions: string[];
  /** An explicit Deny blocks a required action: no policy we add can fix it. */
  explicitlyDenied?: boolean;
  /** Set when the role was denied and self-heal ran. */
  remediation?: RemediationStatus;
  /** Set when self-heal failed. */
  error?: string;
}

/** The probe could not run (say, no permission to simulate): it decided nothing, the prompt alone gives the verdict. */
export interface PermissionSkipped {
  status: 'skipped';
  /** Why it could not run. */
  reason: string;
}

/** The probe's decision, when it made one. */
export function permissionDecision(check: PermissionCheck | undefined): PermissionDecision | undefined {
  return check && check.status !== 'skipped' ? check : undefined;
}

/** One line for people: `allowed`, `denied: <actions>`, or `skipped (<why>)`. */
export function describePermission(check: PermissionCheck): string {
  switch (check.status) {
    case 'allowed':
      return 'allowed';
    case 'denied':
      return `denied: ${check.deniedActions.join(', ')}`;
    case 'skipped':
      return `skipped (${check.reason})`;
  }
}

/** One agent's health, as logged, stored, alerted and printed by the CLI. */
export interface HealthResult {
  agentRuntimeArn: string;
  agentName: string;
  region: string;
  roleArn?: string;
  probe: string;
  verdict: Verdict;
  /** Only when failing. */
  reason?: FailureReason;
  /** Human-readable why, one sentence. */
  detail: string;
  /** A short excerpt of the agent's reply (or of the error), for the alert. */
  excerpt: string;
  /** Only for `invoke-error`: the error's name (e.g. `AccessDeniedException`), which the excerpt may have cut off. */
  errorName?: string;
  permission?: PermissionCheck;
  direct?: DirectCheck;
  /**
   * `permission` when the permission probe alone decided the verdict and no prompt ran: a denied role, or a role allowed
   * again after a `permission-denied` failure (a recovery from that failure, not proof the agent runs code).
   * Absent when the prompt decided.
   */
  decidedBy?: 'permission';
  checkedAt: string;
  durationMs: number;
}

/**
 * A check with no verdict: no prompt ran, and the permission probe found nothing wrong (or could not run). A role that
 * may use the Code Interpreter is not an agent that runs code, so this is neither healthy nor failing, and it announces
 * nothing (see `src/health/run.ts` for the one exception: a `permission-denied` failure is closed by an allowed role).
 */
export interface UndecidedResult {
  verdict: 'undecided';
  agentRuntimeArn: string;
  agentName: string;
  region: string;
  roleArn?: string;
  /** The prompt probe the run is configured with, which did not run. */
  probe: string;
  promptSkipped: PromptSkipReason;
  /** Human-readable why, one sentence. */
  detail: string;
  permission?: PermissionCheck;
  checkedAt: string;
  durationMs: number;
}

/** What checking one agent gave: a verdict, or none. */
export type AgentCheck = HealthResult | UndecidedResult;

/** `healthy`, or the reason: the key alerts and metrics use. */
export function verdictKey(result: Pick<HealthResult, 'verdict' | 'reason'>): Verdict | FailureReason {
  return result.verdict === 'healthy' ? 'healthy' : (result.reason ?? 'invoke-error');
}
