import type { PolicyChange } from '../policy/diff.js';

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
  | { status: 'role-not-found'; roleName: string; waitedMs: number }
  | RoleFinding;

/** A prefixed role that is not ours to write: a person should look at it (one alert per role). */
export type RoleFinding =
  | {
      status: 'untrusted';
      roleName: string;
      roleArn: string;
      roleId: string;
      /** Why the trust gate refused it, as a clause: "its trust policy also lets AWS "…" assume it". */
      reason: string;
      /** It holds a policy of our name: someone it trusts may be using our grant. */
      carriesOurPolicy: boolean;
      /** That policy was deleted (removeFromUntrusted). */
      removed: boolean;
    }
  | { status: 'unsupported-path'; roleName: string; roleArn: string; roleId: string; path: string };

export type RemediationStatus = RemediationOutcome['status'];

export const REMEDIATION_STATUSES = [
  'compliant',
  'remediated',
  'would-remediate',
  'excluded',
  'ignored',
  'role-not-found',
  'untrusted',
  'unsupported-path',
] as const satisfies readonly RemediationStatus[];

export const isRoleFinding = (outcome: RemediationOutcome): outcome is RoleFinding =>
  outcome.status === 'untrusted' || outcome.status === 'unsupported-path';
