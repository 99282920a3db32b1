export type RemediationStatus = RemediationOutcome['status'];

/** What `ensureCodeInterpreterPolicy` did to one role. Failures are thrown, not returned. */
export type RemediationOutcome =
  | { status: 'compliant'; roleName: string; policyName: string }
  | { status: 'remediated'; roleName: string; policyName: string; previous: 'absent' | 'different' }
  | { status: 'would-remediate'; roleName: string; policyName: string; previous: 'absent' | 'different' }
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
