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
  checkedAt: string;
  durationMs: number;
}

/** `healthy`, or the reason: the key alerts and metrics use. */
export function verdictKey(result: Pick<HealthResult, 'verdict' | 'reason'>): Verdict | FailureReason {
  return result.verdict === 'healthy' ? 'healthy' : (result.reason ?? 'invoke-error');
}
