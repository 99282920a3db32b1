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

/** What a prompt probe concluded from one reply. */
export type Judgement = { pass: true } | { pass: false; reason: 'tool-not-executed' | 'wrong-answer'; detail: string };

/** The permission probe's answer, reduced to what a verdict needs. */
export interface PermissionCheck {
  allowed: boolean;
  method: 'simulate' | 'local';
  deniedActions: string[];
  /** An explicit Deny blocks a required action: no policy we add can fix it. */
  explicitlyDenied?: boolean;
  /** Set when the role was denied and self-heal ran. */
  remediation?: RemediationStatus;
  /** Set when the probe itself failed (it is then skipped, not a verdict). */
  error?: string;
}

export interface DirectCheck {
  ok: boolean;
  detail: string;
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
