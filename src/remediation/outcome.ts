import type { PolicyChange } from '../policy/diff.js';

export type RemediationStatus = RemediationOutcome['status'];

/** What `ensureCodeInterpreterPolicy` did to one role. Failures are thrown, not returned. */
export type RemediationOutcome =
  | { status: 'compliant'; roleName: string; policyName: string }
  | {
      status: 'remediated';
      roleName: string;
      policyName: string;
      previous: 'absent' | 'different';
      change: PolicyChange;
    }
  | {
      status: 'would-remediate';
      roleName: string;
      policyName: string;
      previous: 'absent' | 'different';
      /** What the write would change (a dry run's answer to "how?"). */
      change: PolicyChange;
    }
  | { status: 'excluded'; roleName: string }
  | { status: 'ignored'; roleName: string }
  | { status: 'role-not-found'; roleName: string; waitedMs: number };

export const REMEDIATION_STATUSES = [
  'compliant',
  'remediated',
  'would-remediate',
  'excluded',
  'ignored',
  'role-not-found',
] as const satisfies readonly RemediationStatus[];
