import { type IAMClient, paginateSimulatePrincipalPolicy } from '@aws-sdk/client-iam';
import { errorMessage, errorName } from '../aws/errors.js';
import { CODE_INTERPRETER_ACTIONS, parseRoleArn, type RoleArnParts } from '../policy/profiles.js';

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

export type PermissionCheckMode = 'auto' | 'simulate' | 'local';

export interface PermissionCheckDeps {
  iam: IAMClient;
  mode?: PermissionCheckMode;
  /** Region of the AWS-managed interpreter to evaluate against (default us-east-1). */
  region?: string;
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

/**
 * The resource each action is evaluated on. `GetCodeInterpreter` applies only to an account's own (custom)
 * interpreters in the IAM catalog, so it is evaluated on those; every other action on the AWS-managed interpreter.
 */
export function codeInterpreterResourceFor(action: string, role: RoleArnParts, region: string): string {
  return action === 'bedrock-agentcore:GetCodeInterpreter'
    ? `arn:${role.partition}:bedrock-agentcore:${region}:${role.account}:code-interpreter-custom/*`
    : managedInterpreterArn(role.partition, region);
}

export class RoleNotFoundError extends Error {
  override name = 'RoleNotFoundError';
}

export class LocalSimulationError extends Error {
  override name = 'LocalSimulationError';
}

/** Loaded on first use: module start-up stays free of the simulator (see local-evaluation.ts). */
async function evaluateLocally(roleArn: string, role: RoleArnParts, region: string, iam: IAMClient) {
  const local = await import('./local-evaluation.js');
  return local.evaluateLocally(roleArn, role, region, iam);
}

/**
 * Can this role use the Code Interpreter? `simulate` asks IAM (`SimulatePrincipalPolicy`, which also sees
 * policies we cannot read locally); `local` evaluates the role's inline, attached managed and boundary policies
 * with @cloud-copilot/iam-simulate; `auto` simulates and falls back to local where simulation is unavailable
 * (not implemented by an emulator such as moto, or not permitted to the caller).
 */
export async function checkCodeInterpreterPermissions(
  roleArn: string,
  deps: PermissionCheckDeps,
): Promise<PermissionReport> {
  const mode = deps.mode ?? 'auto';
  const role = parseRoleArn(roleArn);
  const region = deps.region ?? 'us-east-1';
  if (mode === 'local') return evaluateLocally(roleArn, role, region, deps.iam);
  try {
    return await simulateWithIam(roleArn, role, region, deps.iam);
  } catch (error) {
    if (mode === 'simulate' || !isSimulationUnavailable(error)) throw error;
    const report = await evaluateLocally(roleArn, role, region, deps.iam);
    return { ...report, fallbackReason: `${errorName(error) ?? 'Error'}: ${firstLine(errorMessage(error))}` };
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/**
 * Moto answers SimulatePrincipalPolicy with HTTP 500 and an HTML page (NotImplementedError), which the SDK
 * reports as a deserialization error; other emulators answer 501/NotImplemented. A caller without
 * iam:SimulatePrincipalPolicy gets AccessDenied. In all these cases local evaluation still answers.
 */
export function isSimulationUnavailable(error: unknown): boolean {
  const name = errorName(error) ?? '';
  if (/^(NotImplemented|InvalidAction|UnknownOperation|AccessDenied)/.test(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export function summarize(roleArn: string, method: PermissionReport['method'], decisions: ActionDecision[]) {
  const allowedActions = new Set(decisions.filter((d) => d.decision === 'allowed').map((d) => d.action));
  return {
    roleArn,
    allowed: REQUIRED_CODE_INTERPRETER_ACTIONS.every((a) => allowedActions.has(a)),
    method,
    decisions,
  };
}

async function simulateWithIam(
  roleArn: string,
  role: RoleArnParts,
  region: string,
  iam: IAMClient,
): Promise<PermissionReport> {
  // One simulation per resource: IAM evaluates every action against every resource given.
  const byResource = new Map<string, string[]>();
  for (const action of CODE_INTERPRETER_ACTIONS) {
    const resource = codeInterpreterResourceFor(action, role, region);
    byResource.set(resource, [...(byResource.get(resource) ?? []), action]);
  }
  const decisions: ActionDecision[] = [];
  for (const [resource, actions] of byResource) {
    const pages = paginateSimulatePrincipalPolicy(
      { client: iam },
      { PolicySourceArn: roleArn, ActionNames: actions, ResourceArns: [resource] },
    );
    for await (const page of pages) {
      for (const result of page.EvaluationResults ?? []) {
        const decision = result.EvalDecision;
        decisions.push({
          action: result.EvalActionName ?? '',
          decision: decision === 'allowed' || decision === 'explicitDeny' ? decision : 'implicitDeny',
          matchedStatements: (result.MatchedStatements ?? []).map((s) => ({ policyName: s.SourcePolicyId ?? '' })),
          resource,
        });
      }
    }
  }
  return summarize(roleArn, 'simulate', orderLikeCatalog(decisions));
}

function orderLikeCatalog(decisions: ActionDecision[]): ActionDecision[] {
  const order: readonly string[] = CODE_INTERPRETER_ACTIONS;
  return [...decisions].sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action));
}
