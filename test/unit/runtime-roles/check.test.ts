import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  type Role,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { MANAGED_INTERPRETER_ACTIONS } from '../../../src/policy/profiles.js';
import { checkRuntimeRole, inspectRuntimeRole, type RuntimeRole } from '../../../src/runtime-roles/check.js';
import {
  ACCOUNT,
  describedRole,
  noSuchEntity,
  remediationSettings,
  roleArn,
  TOOLKIT_PREFIX,
} from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ';
const REQUIRED = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
];

const runtimeAs = (role: string, account = ACCOUNT): RuntimeRole => ({
  agentRuntimeArn: `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:runtime/agent-AbCdE12345`,
  agentRuntimeName: 'agent',
  region: 'eu-west-1',
  roleArn: roleArn(role, { account }),
});

const deps = { iam, account: ACCOUNT, rolePrefixes: [TOOLKIT_PREFIX] };

function givenRole(role: Role) {
  iamMock.on(GetRoleCommand, { RoleName: role.RoleName }).resolves({ Role: role });
}

/** IAM's simulator: every managed-interpreter action with the given decision, unless `allowed` names it. */
function givenSimulation(allowed: readonly string[], otherwise: 'implicitDeny' | 'explicitDeny' = 'implicitDeny') {
  iamMock.on(SimulatePrincipalPolicyCommand).resolves({
    EvaluationResults: MANAGED_INTERPRETER_ACTIONS.map((action) => ({
      EvalActionName: action,
      EvalDecision: allowed.includes(action) ? 'allowed' : otherwise,
    })),
  });
}

beforeEach(() => iamMock.reset());

describe('inspectRuntimeRole', () => {
  it('calls a prefixed, trusted role ours and reports what IAM allows it, in the runtime region', async () => {
    // Prepare
    givenRole(describedRole(`${TOOLKIT_PREFIX}a`));
    givenSimulation(REQUIRED);
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs(`${TOOLKIT_PREFIX}a`), deps);
    // Assess
    expect(inspection).toMatchObject({ ownership: { ours: true }, access: { verdict: 'allowed' } });
    expect(inspection.report?.method).toBe('simulate');
    expect(iamMock).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      ResourceArns: ['arn:aws:bedrock-agentcore:eu-west-1:aws:code-interpreter/aws.codeinterpreter.v1'],
    });
  });

  it('says a stack-made role without a prefix is not ours, what it lacks, and which stack owns it', async () => {
    // Prepare
    givenRole(describedRole(CDK_ROLE, { Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }] }));
    givenSimulation([]);
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs(CDK_ROLE), deps);
    // Assess
    expect(inspection).toMatchObject({
      ownership: { ours: false, because: 'no-prefix' },
      access: { verdict: 'denied', missing: REQUIRED, explicitDeny: false },
      stackName: 'MyStack',
    });
  });

  it('says a prefixed role that trusts another account is not ours, and why, and still evaluates it', async () => {
    // Prepare
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
    };
    givenRole(
      describedRole(`${TOOLKIT_PREFIX}evil`, { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)) }),
    );
    givenSimulation(REQUIRED);
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs(`${TOOLKIT_PREFIX}evil`), deps);
    // Assess
    expect(inspection.ownership).toMatchObject({ ours: false, because: 'untrusted' });
    expect(inspection.ownership.ours || inspection.ownership.reason).toContain('999999999999');
    expect(inspection.access).toEqual({ verdict: 'allowed' });
  });

  it("leaves a role of another account undetermined, without asking this account's IAM", async () => {
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs('Theirs', '210987654321'), deps);
    // Assess
    expect(inspection).toMatchObject({
      ownership: { ours: false, because: 'other-account' },
      access: { verdict: 'undetermined', reason: expect.stringContaining('210987654321') },
    });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('leaves a role that does not exist undetermined', async () => {
    // Prepare
    iamMock.on(GetRoleCommand).rejects(noSuchEntity());
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs(CDK_ROLE), deps);
    // Assess
    expect(inspection).toMatchObject({
      ownership: { ours: false, because: 'role-not-found' },
      access: { verdict: 'undetermined', reason: `the role ${CDK_ROLE} does not exist in this account` },
    });
    expect(iamMock).not.toHaveReceivedCommand(SimulatePrincipalPolicyCommand);
  });

  it('turns a simulator that refuses into undetermined, with the reason', async () => {
    // Prepare
    givenRole(describedRole(CDK_ROLE));
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: iam:SimulatePrincipalPolicy'), { name: 'AccessDenied' }),
      );
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs(CDK_ROLE), { ...deps, mode: 'simulate' });
    // Assess
    expect(inspection.access).toEqual({
      verdict: 'undetermined',
      reason: 'AccessDenied: not authorized to perform: iam:SimulatePrincipalPolicy',
    });
    expect(inspection.report).toBeUndefined();
  });

  it('marks an excluded role of ours', async () => {
    // Prepare
    givenRole(describedRole(`${TOOLKIT_PREFIX}a`, { Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] }));
    givenSimulation([]);
    // Act
    const inspection = await inspectRuntimeRole(runtimeAs(`${TOOLKIT_PREFIX}a`), deps);
    // Assess
    expect(inspection).toMatchObject({ ownership: { ours: true }, excluded: true });
  });

  it('never writes, even to a prefixed role of ours that lacks access', async () => {
    // Prepare
    givenRole(describedRole(`${TOOLKIT_PREFIX}a`));
    givenSimulation([]);
    // Act
    await inspectRuntimeRole(runtimeAs(`${TOOLKIT_PREFIX}a`), deps);
    // Assess
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(iamMock).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });
});

describe('checkRuntimeRole on a role without a prefix', () => {
  it('reads it, reports it not ours with its stack, and writes nothing', async () => {
    // Prepare
    givenRole(describedRole(CDK_ROLE, { Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }] }));
    givenSimulation([]);
    // Act
    const check = await checkRuntimeRole(runtimeAs(CDK_ROLE), {
      iam,
      account: ACCOUNT,
      settings: remediationSettings(),
    });
    // Assess
    expect(check).toEqual({
      kind: 'not-ours',
      access: { verdict: 'denied', missing: REQUIRED, explicitDeny: false },
      stackName: 'MyStack',
    });
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});
