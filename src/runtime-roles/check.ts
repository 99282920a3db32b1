import { GetRoleCommand, type IAMClient, type Role } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../aws/arn.js';
import { errorMessage, errorName, isNoSuchEntity } from '../aws/errors.js';
import type { TimeBudget } from '../aws/time-budget.js';
import { checkCodeInterpreterPermissions, type PermissionCheckMode } from '../permission/check.js';
import { type PermissionReport, REQUIRED_CODE_INTERPRETER_ACTIONS } from '../permission/report.js';
import { ensureCodeInterpreterPolicy, type RemediationSettings } from '../remediation/ensure.js';
import type { RemediationOutcome } from '../remediation/outcome.js';
import { assessOwnership, isExcluded, isManagedRoleName, type Ownership } from '../roles/ownership.js';

/** An AgentCore runtime as the control plane describes it: where it runs and which role it runs as. */
export interface RuntimeRole {
  agentRuntimeArn: string;
  agentRuntimeName: string;
  region: string;
  roleArn: string;
}

/** Whether a role may start, invoke and stop a session on the AWS-managed Code Interpreter in the runtime's region. */
export type RoleAccess =
  | { verdict: 'allowed' }
  | { verdict: 'denied'; missing: string[]; explicitDeny: boolean }
  /** IAM could not say (no permission to simulate, the role in another account, an error): a person must look. */
  | { verdict: 'undetermined'; reason: string };

/** The tag CloudFormation puts on what a stack made: the role is fixed in that stack, not by hand. */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

export type RuntimeRoleCheck =
  /** The role has a configured prefix: `ensureCodeInterpreterPolicy` decided (the trust gate among it). */
  | { kind: 'prefixed'; outcome: RemediationOutcome }
  /** Any other role: never written to, only checked. */
  | { kind: 'not-ours'; access: RoleAccess; stackName?: string };

export interface RuntimeRoleDeps {
  iam: IAMClient;
  settings: RemediationSettings;
  /** The account the guard runs in: a role of another account cannot be simulated from here. */
  account: string;
  budget?: TimeBudget;
  /** `simulate` in Lambda (IAM's simulator); the CLI may fall back to local evaluation (`auto`). */
  mode?: PermissionCheckMode;
}

/** Whether the role is ours; besides the role's own rules, it may be another account's, or not exist. */
export type RuntimeRoleOwnership =
  | Ownership
  | { ours: false; because: 'other-account' | 'role-not-found'; reason: string };

/** What can be learnt about a runtime's role without writing to it. */
export interface RuntimeRoleInspection {
  ownership: RuntimeRoleOwnership;
  access: RoleAccess;
  /** The decision on each Code Interpreter action, when the role could be evaluated. */
  report?: PermissionReport;
  /** The CloudFormation stack that made the role, by its tag. */
  stackName?: string;
  /** Ours, but tagged agentcore-guard:exclude=true: left alone. */
  excluded?: boolean;
}

export type RuntimeRoleInspectionDeps = Pick<RuntimeRoleDeps, 'iam' | 'account' | 'mode'> & {
  rolePrefixes: readonly string[];
};

/**
 * What a runtime's execution role means for the Code Interpreter. A role with a configured prefix goes to
 * `ensureCodeInterpreterPolicy`, which writes only when the role is ours. Any other role is read, never written:
 * `inspectRuntimeRole` says whether it may use the managed interpreter in the runtime's region, and whether a
 * CloudFormation stack owns it.
 */
export async function checkRuntimeRole(runtime: RuntimeRole, deps: RuntimeRoleDeps): Promise<RuntimeRoleCheck> {
  const role = parseRoleArn(runtime.roleArn);
  if (isManagedRoleName(role.roleName, deps.settings.rolePrefixes)) {
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName: role.roleName },
      { iam: deps.iam, settings: deps.settings, budget: deps.budget },
    );
    return { kind: 'prefixed', outcome };
  }
  const { access, stackName } = await inspectRuntimeRole(runtime, {
    ...deps,
    rolePrefixes: deps.settings.rolePrefixes,
  });
  return { kind: 'not-ours', access, ...(stackName ? { stackName } : {}) };
}

/**
 * The read-only half of `checkRuntimeRole`, for any role, prefixed or not: whether it is ours (and if not, why), and
 * whether IAM's policy simulator lets it start, invoke and stop a session on the AWS-managed Code Interpreter in the
 * runtime's region. A role of another account cannot be simulated from here; a role that does not exist cannot be
 * evaluated: both are `undetermined`. Reads GetRole and the simulator; never writes.
 */
export async function inspectRuntimeRole(
  runtime: RuntimeRole,
  deps: RuntimeRoleInspectionDeps,
): Promise<RuntimeRoleInspection> {
  const role = parseRoleArn(runtime.roleArn);
  if (role.account !== deps.account) {
    return {
      ownership: {
        ours: false,
        because: 'other-account',
        reason: `it belongs to account ${role.account}, not to this one (${deps.account})`,
      },
      access: {
        verdict: 'undetermined',
        reason: `the role is in account ${role.account}, and IAM simulates only principals of this account (${deps.account})`,
      },
    };
  }
  let described: Role | undefined;
  try {
    described = (await deps.iam.send(new GetRoleCommand({ RoleName: role.roleName }))).Role;
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error;
    const reason = `the role ${role.roleName} does not exist in this account`;
    return {
      ownership: { ours: false, because: 'role-not-found', reason },
      access: { verdict: 'undetermined', reason },
    };
  }
  const stackName = described?.Tags?.find((t) => t.Key === STACK_NAME_TAG)?.Value;
  const ownership = assessOwnership(described ?? { RoleName: role.roleName, Arn: runtime.roleArn }, deps.rolePrefixes);
  const { access, report } = await roleAccess(runtime, deps);
  return {
    ownership,
    access,
    ...(report ? { report } : {}),
    ...(stackName ? { stackName } : {}),
    ...(ownership.ours && isExcluded(described?.Tags) ? { excluded: true } : {}),
  };
}

async function roleAccess(
  runtime: RuntimeRole,
  deps: Pick<RuntimeRoleDeps, 'iam' | 'mode'>,
): Promise<{ access: RoleAccess; report?: PermissionReport }> {
  try {
    const report = await checkCodeInterpreterPermissions(runtime.roleArn, {
      iam: deps.iam,
      mode: deps.mode ?? 'simulate',
      region: runtime.region,
    });
    if (report.allowed) return { access: { verdict: 'allowed' }, report };
    const required = report.decisions.filter((d) => REQUIRED_CODE_INTERPRETER_ACTIONS.includes(d.action));
    return {
      access: {
        verdict: 'denied',
        missing: required.filter((d) => d.decision !== 'allowed').map((d) => d.action),
        explicitDeny: required.some((d) => d.decision === 'explicitDeny'),
      },
      report,
    };
  } catch (error) {
    return {
      access: {
        verdict: 'undetermined',
        reason: `${errorName(error) ?? 'Error'}: ${errorMessage(error).split('\n', 1)[0]}`,
      },
    };
  }
}
