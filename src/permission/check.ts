import { type IAMClient, paginateSimulatePrincipalPolicy } from '@aws-sdk/client-iam';
import { parseRoleArn, type RoleArnParts } from '../aws/arn.js';
import { errorName } from '../aws/errors.js';
import { MANAGED_INTERPRETER_ACTIONS } from '../policy/profiles.js';
import { type ActionDecision, managedInterpreterArn, type PermissionReport, permissionReport } from './report.js';

export type PermissionCheckMode = 'auto' | 'simulate' | 'local';

export interface PermissionCheckDeps {
  iam: IAMClient;
  mode?: PermissionCheckMode;
  /** Region of the AWS-managed interpreter to evaluate against (default us-east-1). */
  region?: string;
}

/** Loaded on first use: module start-up stays free of the simulator (see local-evaluation.ts). */
async function evaluateWithLocalSimulator(roleArn: string, role: RoleArnParts, region: string, iam: IAMClient) {
  const local = await import('./local.js');
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
  if (mode === 'local') return evaluateWithLocalSimulator(roleArn, role, region, deps.iam);
  try {
    return await simulateWithIam(roleArn, role, region, deps.iam);
  } catch (error) {
    if (mode === 'simulate' || !isSimulationUnavailable(error)) throw error;
    const report = await evaluateWithLocalSimulator(roleArn, role, region, deps.iam);
    return { ...report, fallbackReason: whySimulationIsUnavailable(error) };
  }
}

/**
 * Why IAM's simulator did not answer, as a person would say it. An emulator's HTML error page reaches the SDK as an
 * XML parse error: that text means nothing to an operator, so only its HTTP status is kept.
 */
export function whySimulationIsUnavailable(error: unknown): string {
  const name = errorName(error) ?? '';
  if (name.startsWith('AccessDenied')) {
    return 'this identity may not call iam:SimulatePrincipalPolicy; grant it to see what IAM itself decides';
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const answered = status === undefined ? name || 'an error' : `HTTP ${status}`;
  return `the IAM endpoint answered SimulatePrincipalPolicy with ${answered}; an emulator such as moto does not implement it`;
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

async function simulateWithIam(
  roleArn: string,
  role: RoleArnParts,
  region: string,
  iam: IAMClient,
): Promise<PermissionReport> {
  const resource = managedInterpreterArn(role.partition, region);
  const decisions: ActionDecision[] = [];
  const pages = paginateSimulatePrincipalPolicy(
    { client: iam },
    { PolicySourceArn: roleArn, ActionNames: [...MANAGED_INTERPRETER_ACTIONS], ResourceArns: [resource] },
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
  return permissionReport(roleArn, 'simulate', orderLikeCatalog(decisions));
}

function orderLikeCatalog(decisions: ActionDecision[]): ActionDecision[] {
  const order: readonly string[] = MANAGED_INTERPRETER_ACTIONS;
  return [...decisions].sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action));
}

/**
 * What the health check needs from this module: can this role use the Code Interpreter in this region?
 * Injected, so tests can pass a fake; `permissionProbeFor` is the real one.
 */
export type PermissionProbe = (roleArn: string, region: string) => Promise<PermissionReport>;

/** IAM's simulator, falling back to local evaluation where it is unavailable (moto, or no permission to simulate). */
export function permissionProbeFor(iam: IAMClient): PermissionProbe {
  return (roleArn, region) => checkCodeInterpreterPermissions(roleArn, { iam, mode: 'auto', region });
}
