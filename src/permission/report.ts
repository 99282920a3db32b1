export interface ActionDecision {
  action: string;
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** The statements that allowed (or, for an explicit deny, denied) the action. Empty for an implicit deny. */
  matchedStatements: { policyName: string; sid?: string; statementIndex?: number }[];
  /** The resource the action was evaluated on. */
  resource?: string;
}

export interface PermissionReport {
  roleArn: string;
  /** True when every action in `REQUIRED_CODE_INTERPRETER_ACTIONS` is allowed. */
  allowed: boolean;
  method: 'simulate' | 'local';
  decisions: ActionDecision[];
  /** Set when `auto` fell back to local evaluation: why simulation could not be used. */
  fallbackReason?: string;
}

/** What an agent must be allowed to run code: open a session, send code, close it. */
export const REQUIRED_CODE_INTERPRETER_ACTIONS: readonly string[] = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
];

/** The AWS-managed interpreter agents use by default. */
export function managedInterpreterArn(partition: string, region: string): string {
  return `arn:${partition}:bedrock-agentcore:${region}:aws:code-interpreter/aws.codeinterpreter.v1`;
}

export class RoleNotFoundError extends Error {
  override name = 'RoleNotFoundError';
}

export class LocalSimulationError extends Error {
  override name = 'LocalSimulationError';
}

/** The decisions as a report: allowed when every required action is. */
export function permissionReport(
  roleArn: string,
  method: PermissionReport['method'],
  decisions: ActionDecision[],
): PermissionReport {
  const allowedActions = new Set(decisions.filter((d) => d.decision === 'allowed').map((d) => d.action));
  return {
    roleArn,
    allowed: REQUIRED_CODE_INTERPRETER_ACTIONS.every((a) => allowedActions.has(a)),
    method,
    decisions,
  };
}
