import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam';
import type {
  RequestAnalysis,
  RequestDenial,
  RequestGrant,
  SimulationIdentityPolicy,
} from '@cloud-copilot/iam-simulate';
import type { RoleArnParts } from '../aws/arn.js';
import { resourceName } from '../aws/arn.js';
import { errorMessage, isNoSuchEntity } from '../aws/errors.js';
import { decodePolicyDocument, type PolicyDocument } from '../policy/document.js';
import { MANAGED_INTERPRETER_ACTIONS } from '../policy/profiles.js';
import {
  type ActionDecision,
  LocalSimulationError,
  managedInterpreterArn,
  type PermissionReport,
  permissionReport,
  RoleNotFoundError,
} from './report.js';

/**
 * The local simulator is an optional peer, not a dependency: @cloud-copilot/iam-simulate is AGPL-3.0-or-later, and
 * agentcore-guard (MIT) neither ships nor bundles it. `check --offline` loads it only where someone installed it;
 * the Lambda bundles never carry it (IAM's own simulator answers there).
 */
async function loadSimulator() {
  try {
    return await import('@cloud-copilot/iam-simulate');
  } catch (error) {
    throw new LocalSimulationError(
      `Local policy evaluation needs @cloud-copilot/iam-simulate, which agentcore-guard does not ship (it is ` +
        `AGPL-3.0-or-later; ${errorMessage(error).split('\n', 1)[0]}). If its licence suits you, install it beside ` +
        'agentcore-guard: npm install @cloud-copilot/iam-simulate. Or let IAM evaluate the role: drop --offline and ' +
        'use credentials allowed iam:SimulatePrincipalPolicy.',
    );
  }
}

/** The role's own policies evaluated with @cloud-copilot/iam-simulate, for where IAM's simulator is unavailable. */
interface RolePolicies {
  identity: SimulationIdentityPolicy[];
  boundary: SimulationIdentityPolicy[];
}

export async function evaluateLocally(
  roleArn: string,
  role: RoleArnParts,
  region: string,
  iam: IAMClient,
): Promise<PermissionReport> {
  const { runSimulation, getGrantReasons, getDenialReasons } = await loadSimulator();
  const policies = await readRolePolicies(iam, role.roleName);
  const decisions: ActionDecision[] = [];
  const resource = managedInterpreterArn(role.partition, region);
  for (const action of MANAGED_INTERPRETER_ACTIONS) {
    const result = await runSimulation(
      {
        request: {
          principal: roleArn,
          action,
          // AWS-managed interpreters have no resource policy: the role's own policies decide, as within one account.
          resource: { resource, accountId: role.account },
          contextVariables: {},
        },
        identityPolicies: policies.identity,
        permissionBoundaryPolicies: policies.boundary,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new LocalSimulationError(
        `Could not evaluate ${action} for ${role.roleName} locally (${result.errors.message}: ` +
          `${JSON.stringify(result.errors.identityPolicyErrors ?? result.errors.permissionBoundaryErrors ?? {})}). ` +
          'Check the role with IAM policy simulator instead (run without --offline).',
      );
    }
    const analyses: RequestAnalysis[] =
      result.resultType === 'single' ? [result.result.analysis] : result.results.map((r) => r.analysis);
    decisions.push({
      action,
      decision:
        result.overallResult === 'Allowed'
          ? 'allowed'
          : result.overallResult === 'ExplicitlyDenied'
            ? 'explicitDeny'
            : 'implicitDeny',
      matchedStatements: dedupe(
        analyses.flatMap((a) =>
          result.overallResult === 'Allowed'
            ? getGrantReasons(a).map(grantStatement)
            : getDenialReasons(a).flatMap(denialStatement),
        ),
      ),
      resource,
    });
  }
  return permissionReport(roleArn, 'local', decisions);
}

function grantStatement(grant: RequestGrant): ActionDecision['matchedStatements'][number] {
  const policyName = 'policyIdentifier' in grant ? grant.policyIdentifier : grant.policyType;
  return withSid(policyName, grant.statementId, grant.statementIndex);
}

function denialStatement(denial: RequestDenial): ActionDecision['matchedStatements'] {
  if (denial.denialType !== 'Explicit') return [];
  return [withSid(denial.policyIdentifier ?? denial.policyType, denial.statementId, denial.statementIndex)];
}

function withSid(policyName: string, sid: string | undefined, statementIndex: number) {
  return sid ? { policyName, sid, statementIndex } : { policyName, statementIndex };
}

function dedupe(statements: ActionDecision['matchedStatements']): ActionDecision['matchedStatements'] {
  const seen = new Map(statements.map((s) => [`${s.policyName}#${s.statementIndex}`, s]));
  return [...seen.values()];
}

/** Inline, attached managed (default version) and boundary policies, decoded from IAM's URL encoding. */
async function readRolePolicies(iam: IAMClient, roleName: string): Promise<RolePolicies> {
  let boundaryArn: string | undefined;
  try {
    const { Role: found } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    boundaryArn = found?.PermissionsBoundary?.PermissionsBoundaryArn;
  } catch (error) {
    if (isNoSuchEntity(error)) {
      throw new RoleNotFoundError(
        `Role ${roleName} does not exist in this account; check the name with \`aws iam get-role\`.`,
      );
    }
    throw error;
  }

  const inlineNames: string[] = [];
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: roleName })) {
    inlineNames.push(...(page.PolicyNames ?? []));
  }
  const inline = await Promise.all(
    inlineNames.map(async (name) => {
      const { PolicyDocument: raw = '' } = await iam.send(
        new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
      );
      return { name, policy: decodePolicyDocument(raw) };
    }),
  );

  const attachedArns: { arn: string; name: string }[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName })) {
    for (const p of page.AttachedPolicies ?? []) {
      if (p.PolicyArn) attachedArns.push({ arn: p.PolicyArn, name: p.PolicyName ?? p.PolicyArn });
    }
  }
  const managed = await Promise.all(
    attachedArns.map(async ({ arn, name }) => ({ name, policy: await managedPolicyDocument(iam, arn) })),
  );
  const boundary = boundaryArn
    ? [{ name: resourceName(boundaryArn), policy: await managedPolicyDocument(iam, boundaryArn) }]
    : [];
  return { identity: [...inline, ...managed], boundary };
}

async function managedPolicyDocument(iam: IAMClient, policyArn: string): Promise<PolicyDocument> {
  const { Policy: policy } = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
  const { PolicyVersion: version } = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: policy?.DefaultVersionId }),
  );
  return decodePolicyDocument(version?.Document ?? '');
}
