import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { MANAGED_INTERPRETER_ACTIONS } from '../../../src/policy/profiles.js';
import { type SurveyProgress, surveyRuntimeRoles } from '../../../src/runtime-roles/survey.js';
import { ACCOUNT, describedRole, roleArn, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';

const control = mockClient(BedrockAgentCoreControlClient);
const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const controlClientFor = (region: string) => new BedrockAgentCoreControlClient({ region });
const TOOLKIT_ROLE = `${TOOLKIT_PREFIX}us-east-1-abc`;
const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ';
/** The roles IAM's simulator allows the Code Interpreter. */
let allowedRoles: string[];
/** The control plane: each region's runtimes (id → role name), or the error listing it gives. */
let regions: Record<string, Record<string, string> | Error>;
/** Runtimes deleted after they were listed, and runtimes whose description fails. */
let gone: string[];
let broken: string[];

const runtimeArn = (region: string, id: string) => `arn:aws:bedrock-agentcore:${region}:${ACCOUNT}:runtime/${id}`;
const regionOf = (id: string) =>
  Object.entries(regions).find(([, runtimes]) => !(runtimes instanceof Error) && id in runtimes)?.[0] ?? '';

beforeEach(() => {
  control.reset();
  iamMock.reset();
  allowedRoles = [];
  gone = [];
  broken = [];
  // One runtime per page, so that a survey that reads only the first page misses some.
  control.on(ListAgentRuntimesCommand).callsFake(async (input: { nextToken?: string }, getClient) => {
    const region = await getClient().config.region();
    const runtimes = regions[region] ?? {};
    if (runtimes instanceof Error) throw runtimes;
    const ids = Object.keys(runtimes);
    const index = Number(input.nextToken ?? 0);
    const id = ids[index];
    return {
      agentRuntimes: id
        ? [{ agentRuntimeArn: runtimeArn(region, id), agentRuntimeId: id, agentRuntimeName: id, status: 'READY' }]
        : [],
      ...(index + 1 < ids.length ? { nextToken: String(index + 1) } : {}),
    };
  });
  control.on(GetAgentRuntimeCommand).callsFake(({ agentRuntimeId: id }: { agentRuntimeId: string }) => {
    if (gone.includes(id)) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    if (broken.includes(id)) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const region = regionOf(id);
    const runtimes = regions[region] as Record<string, string>;
    return {
      agentRuntimeArn: runtimeArn(region, id),
      agentRuntimeId: id,
      agentRuntimeName: id,
      roleArn: roleArn(runtimes[id] ?? ''),
      status: 'READY',
    };
  });
  iamMock.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => ({
    Role: describedRole(RoleName, {
      Tags: RoleName === CDK_ROLE ? [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }] : [],
    }),
  }));
  iamMock.on(SimulatePrincipalPolicyCommand).callsFake(({ PolicySourceArn }: { PolicySourceArn: string }) => ({
    EvaluationResults: MANAGED_INTERPRETER_ACTIONS.map((action) => ({
      EvalActionName: action,
      EvalDecision: allowedRoles.some((r) => PolicySourceArn.endsWith(`/${r}`)) ? 'allowed' : 'implicitDeny',
    })),
  }));
});

const survey = (names: string[], onProgress?: (p: SurveyProgress) => void, concurrency?: number) =>
  surveyRuntimeRoles(names, {
    iam,
    account: ACCOUNT,
    rolePrefixes: [TOOLKIT_PREFIX],
    controlClientFor,
    ...(onProgress ? { onProgress } : {}),
    ...(concurrency ? { concurrency } : {}),
  });

describe('surveyRuntimeRoles', () => {
  it('finds every runtime of every region, over all pages, with its role, whether it is ours and its verdict', async () => {
    // Prepare
    regions = {
      'us-east-1': { toolkit_a: TOOLKIT_ROLE, toolkit_b: TOOLKIT_ROLE },
      'eu-west-1': { cdk_agent: CDK_ROLE },
    };
    allowedRoles = [TOOLKIT_ROLE];
    // Act
    const result = await survey(['us-east-1', 'eu-west-1']);
    // Assess
    expect(result.regions).toEqual([
      { region: 'us-east-1', runtimes: 2 },
      { region: 'eu-west-1', runtimes: 1 },
    ]);
    expect(
      result.runtimes.map((r) => [r.agentRuntimeName, r.region, r.roleArn, r.ownership?.ours, r.access.verdict]),
    ).toEqual([
      ['toolkit_a', 'us-east-1', roleArn(TOOLKIT_ROLE), true, 'allowed'],
      ['toolkit_b', 'us-east-1', roleArn(TOOLKIT_ROLE), true, 'allowed'],
      ['cdk_agent', 'eu-west-1', roleArn(CDK_ROLE), false, 'denied'],
    ]);
    expect(result.runtimes[2]).toMatchObject({ stackName: 'MyStack', method: 'simulate' });
  });

  it('writes nothing, not even to a role of ours that lacks access', async () => {
    // Prepare
    regions = { 'us-east-1': { toolkit_a: TOOLKIT_ROLE } };
    // Act
    const result = await survey(['us-east-1']);
    // Assess
    expect(result.runtimes[0]).toMatchObject({ ownership: { ours: true }, access: { verdict: 'denied' } });
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(iamMock).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });

  it('reports a region it cannot list, and still surveys the others', async () => {
    // Prepare
    regions = {
      'us-east-1': { toolkit_a: TOOLKIT_ROLE },
      'ap-east-1': Object.assign(new Error('The security token included in the request is invalid'), {
        name: 'UnrecognizedClientException',
      }),
    };
    allowedRoles = [TOOLKIT_ROLE];
    // Act
    const result = await survey(['ap-east-1', 'us-east-1']);
    // Assess
    expect(result.regions).toEqual([
      {
        region: 'ap-east-1',
        error: 'The security token included in the request is invalid',
        errorName: 'UnrecognizedClientException',
        cause: expect.any(Error),
      },
      { region: 'us-east-1', runtimes: 1 },
    ]);
    expect(result.runtimes.map((r) => r.agentRuntimeName)).toEqual(['toolkit_a']);
  });

  it('leaves out a runtime deleted since the listing, and reports it in its progress', async () => {
    // Prepare
    regions = { 'us-east-1': { toolkit_a: TOOLKIT_ROLE, deleted: TOOLKIT_ROLE } };
    gone = ['deleted'];
    const progress: SurveyProgress[] = [];
    // Act
    const result = await survey(['us-east-1'], (p) => progress.push(p));
    // Assess
    expect(result.runtimes.map((r) => r.agentRuntimeName)).toEqual(['toolkit_a']);
    expect(progress.map((p) => p.kind).sort()).toEqual(['gone', 'region', 'runtime']);
  });

  it('reports a runtime it cannot describe as undetermined, with the reason', async () => {
    // Prepare
    regions = { 'us-east-1': { flaky: TOOLKIT_ROLE } };
    broken = ['flaky'];
    // Act
    const result = await survey(['us-east-1']);
    // Assess
    expect(result.runtimes).toEqual([
      expect.objectContaining({
        agentRuntimeName: 'flaky',
        access: {
          verdict: 'undetermined',
          reason: 'the runtime could not be described (ThrottlingException: Rate exceeded)',
        },
      }),
    ]);
    expect(result.runtimes[0]?.roleArn).toBeUndefined();
  });

  it('keeps no more reads in flight than its concurrency', async () => {
    // Prepare
    regions = {
      'us-east-1': Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`a${i}`, TOOLKIT_ROLE])),
      'eu-west-1': Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`b${i}`, CDK_ROLE])),
    };
    let inFlight = 0;
    let most = 0;
    const slowGetRole = async ({ RoleName }: { RoleName: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { Role: describedRole(RoleName) };
    };
    iamMock.on(GetRoleCommand).callsFake(slowGetRole);
    // Act
    const result = await survey(['us-east-1', 'eu-west-1'], undefined, 2);
    // Assess
    expect(result.runtimes).toHaveLength(12);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });
});
