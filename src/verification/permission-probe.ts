/**
 * The permission probe's contract. `src/verification/permission.ts` (the sweep's module) implements it as
 * `checkCodeInterpreterPermissions(roleArn, { iam, mode })`; the health check only depends on this shape, so a
 * test can inject a fake and the handler wires in the real one.
 */
export interface ActionDecision {
  action: string;
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  matchedStatements: { policyName: string; sid?: string }[];
}

export interface PermissionReport {
  roleArn: string;
  allowed: boolean;
  method: 'simulate' | 'local';
  decisions: ActionDecision[];
}

export type PermissionProbe = (roleArn: string) => Promise<PermissionReport>;
