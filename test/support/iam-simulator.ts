import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam';
import { resourceName } from '../../src/aws/arn.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { iamError, iamResult } from './fake-iam.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { evaluate, type GrantedStatement, statementsOf } from './template-audit.js';

/**
 * IAM's policy simulator, which moto lacks, in front of moto: a loopback proxy that answers `SimulatePrincipalPolicy`
 * itself and forwards every other IAM request to moto. It evaluates the role's own identity policies as moto holds
 * them (inline and attached managed), with the template audit's evaluator: an explicit Deny wins, then an Allow,
 * else an implicit deny. Focused on what the guard asks (a role, actions, one resource); it does not model
 * permissions boundaries, SCPs, resource policies or condition keys. `deny` makes it answer AccessDenied, as IAM does
 * for a caller without iam:SimulatePrincipalPolicy.
 */
export async function startIamSimulator(motoEndpoint: string): Promise<FaultProxy & { deny: boolean }> {
  const moto = new IAMClient({ region: 'us-east-1', endpoint: motoEndpoint });
  const state = { deny: false };
  const proxy = await startFaultProxy({
    target: motoEndpoint,
    seed: 1,
    answer: async (action, params) => {
      if (action !== 'SimulatePrincipalPolicy') return undefined;
      if (state.deny) return [403, iamError('AccessDenied', 'not authorized to perform: iam:SimulatePrincipalPolicy')];
      const roleArn = params.get('PolicySourceArn') ?? '';
      const actions = members(params, 'ActionNames');
      const resources = members(params, 'ResourceArns');
      const statements = await rolePolicies(moto, resourceName(roleArn));
      const results = actions.flatMap((a) =>
        (resources.length > 0 ? resources : ['*']).map((r) =>
          evaluationResult(a, r, evaluate(statements, { action: a, resource: r })),
        ),
      );
      return [
        200,
        iamResult(
          'SimulatePrincipalPolicy',
          `<IsTruncated>false</IsTruncated><EvaluationResults>${results.join('')}</EvaluationResults>`,
        ),
      ];
    },
  });
  return Object.defineProperty(proxy, 'deny', {
    get: () => state.deny,
    set: (value: boolean) => {
      state.deny = value;
    },
  }) as FaultProxy & { deny: boolean };
}

/** `ActionNames.member.1`, `ActionNames.member.2`, … of the query protocol. */
function members(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++) values.push(params.get(`${name}.member.${i}`) ?? '');
  return values;
}

const evaluationResult = (action: string, resource: string, decision: string) =>
  `<member><EvalActionName>${action}</EvalActionName><EvalResourceName>${resource}</EvalResourceName>` +
  `<EvalDecision>${decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`;

async function rolePolicies(iam: IAMClient, roleName: string): Promise<GrantedStatement[]> {
  const statements: GrantedStatement[] = [];
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: roleName })) {
    for (const policyName of page.PolicyNames ?? []) {
      const { PolicyDocument = '' } = await iam.send(
        new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
      );
      statements.push(...statementsOf(policyName, decodePolicyDocument(PolicyDocument)));
    }
  }
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName })) {
    for (const { PolicyArn = '', PolicyName = '' } of page.AttachedPolicies ?? []) {
      const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn }));
      const { PolicyVersion } = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn, VersionId: Policy?.DefaultVersionId }),
      );
      statements.push(...statementsOf(PolicyName, decodePolicyDocument(PolicyVersion?.Document ?? '')));
    }
  }
  return statements;
}
