import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  type Role,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { captureIO } from '../../support/cli-io.js';
import {
  ACCOUNT,
  describedRole,
  LEAST_PRIVILEGE_DOCUMENT,
  roleArn,
  TOOLKIT_PREFIX,
} from '../../support/iam-fixtures.js';

const control = mockClient(BedrockAgentCoreControlClient);
const iamMock = mockClient(IAMClient);
const sts = mockClient(STSClient);
const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const RUNTIME_ARN = `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:runtime/cdk_agent-AbCdE12345`;
const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ';
const REQUIRED = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
];
/** The least-privilege grant a role of this account needs, as the requirement states it. */
const trustAlso = (principal: Record<string, string>) =>
  encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'bedrock-agentcore.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' },
      ],
    }),
  );

/** The runtime runs as `role`; IAM's simulator allows it the Code Interpreter or not. */
function givenRuntimeAs(role: Role, allowed: boolean) {
  control.on(GetAgentRuntimeCommand, { agentRuntimeId: 'cdk_agent-AbCdE12345' }).resolves({
    agentRuntimeArn: RUNTIME_ARN,
    agentRuntimeId: 'cdk_agent-AbCdE12345',
    agentRuntimeName: 'cdk_agent',
    roleArn: role.Arn,
    status: 'READY',
  } as never);
  givenRole(role, allowed);
}

function givenRole(role: Role, allowed: boolean) {
  iamMock.on(GetRoleCommand, { RoleName: role.RoleName }).resolves({ Role: role });
  iamMock.on(SimulatePrincipalPolicyCommand).resolves({
    EvaluationResults: REQUIRED.map((action) => ({
      EvalActionName: action,
      EvalDecision: allowed ? 'allowed' : 'implicitDeny',
    })),
  });
}

beforeEach(() => {
  control.reset();
  iamMock.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
});

describe('check --runtime', () => {
  it("checks the role the runtime runs as, in the runtime's region, and says it can use the Code Interpreter", async () => {
    // Prepare
    givenRuntimeAs(describedRole(CDK_ROLE), true);
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--runtime', RUNTIME_ARN], io);
    // Assess
    expect(code).toBe(0);
    expect(stdout()).toContain(`Role: ${roleArn(CDK_ROLE)}`);
    expect(stdout()).toContain('cdk_agent can use the Code Interpreter.');
    expect(iamMock).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      PolicySourceArn: roleArn(CDK_ROLE),
      ResourceArns: ['arn:aws:bedrock-agentcore:eu-west-1:aws:code-interpreter/aws.codeinterpreter.v1'],
    });
  });

  it('for a role that is not ours and no stack owns, says why and gives the least-privilege policy and the command', async () => {
    // Prepare
    givenRuntimeAs(describedRole(CDK_ROLE), false);
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--runtime', RUNTIME_ARN], io);
    // Assess
    expect(code).toBe(1);
    const text = stdout();
    expect(text).toContain(`Ours: no: its name has none of the prefixes ${TOOLKIT_PREFIX}`);
    expect(text).toContain(
      `cdk_agent cannot use the Code Interpreter: its role is not allowed ${REQUIRED.join(', ')}.`,
    );
    const command = /aws iam put-role-policy --role-name (\S+) --policy-name (\S+) --policy-document '(.*)'$/m.exec(
      text,
    );
    expect(command?.slice(1, 3)).toEqual([CDK_ROLE, 'CodeInterpreterAccess']);
    expect(JSON.parse(command?.[3] ?? '{}')).toEqual(LEAST_PRIVILEGE_DOCUMENT);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('for a role a CloudFormation stack owns, says to fix it in that stack with CDK, not by hand', async () => {
    // Prepare
    givenRuntimeAs(
      describedRole(CDK_ROLE, { Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }] }),
      false,
    );
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--runtime', RUNTIME_ARN], io);
    // Assess
    expect(code).toBe(1);
    expect(stdout()).toContain('Stack: MyStack');
    expect(stdout()).toContain('Fix it in CloudFormation stack MyStack');
    expect(stdout()).toContain('runtime.role.addToPrincipalPolicy(');
    expect(stdout()).not.toContain('aws iam put-role-policy');
  });

  it('for a role of ours, advises remediate', async () => {
    // Prepare
    const name = `${TOOLKIT_PREFIX}eu-west-1-abc`;
    givenRuntimeAs(describedRole(name), false);
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--runtime', RUNTIME_ARN], io);
    // Assess
    expect(code).toBe(1);
    expect(stdout()).toContain('Ours: yes');
    expect(stdout()).toContain(`agentcore-guard remediate --role ${name} gives it the policy now`);
  });

  it('for a prefixed role that another account may assume, says why it is not ours and offers no grant', async () => {
    // Prepare
    const name = `${TOOLKIT_PREFIX}eu-west-1-evil`;
    givenRuntimeAs(
      describedRole(name, { AssumeRolePolicyDocument: trustAlso({ AWS: 'arn:aws:iam::999999999999:root' }) }),
      false,
    );
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--runtime', RUNTIME_ARN], io);
    // Assess
    expect(code).toBe(1);
    expect(stdout()).toMatch(/Ours: no: its trust policy also lets AWS "arn:aws:iam::999999999999:root" assume it/);
    expect(stdout()).toContain(`aws iam update-assume-role-policy --role-name ${name}`);
    expect(stdout()).not.toContain('put-role-policy');
  });

  it('prints one JSON document: the runtime, its role, ours or not, the decisions and the fix', async () => {
    // Prepare
    givenRuntimeAs(describedRole(CDK_ROLE), false);
    const { io, stdout } = captureIO({ env });
    // Act
    await run(['check', '--runtime', RUNTIME_ARN, '--json'], io);
    // Assess
    const report = JSON.parse(stdout());
    expect(report).toMatchObject({
      runtime: { agentRuntimeArn: RUNTIME_ARN, agentRuntimeName: 'cdk_agent', region: 'eu-west-1' },
      roleName: CDK_ROLE,
      roleArn: roleArn(CDK_ROLE),
      ownership: { ours: false, because: 'no-prefix' },
      access: { verdict: 'denied', missing: REQUIRED },
      allowed: false,
      method: 'simulate',
      fix: { blocks: [{ title: 'Policy to add (least privilege)' }, { title: 'Command' }] },
    });
    expect(report.decisions).toHaveLength(REQUIRED.length);
  });

  it('finds a runtime by an ARN that does not carry its id, by listing its region', async () => {
    // Prepare
    const emulatorArn = `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:agent/0b9e2a4c-5d4f-4a55-9a38-3c1e0f6c2d11:1`;
    control.on(ListAgentRuntimesCommand).resolves({
      agentRuntimes: [{ agentRuntimeArn: emulatorArn, agentRuntimeId: 'cdk_agent-AbCdE12345' } as never],
    });
    givenRuntimeAs(describedRole(CDK_ROLE), true);
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--runtime', emulatorArn], io);
    // Assess
    expect(code).toBe(0);
    expect(stdout()).toContain('cdk_agent can use the Code Interpreter.');
  });

  it.each([
    [['check', '--runtime', roleArn(CDK_ROLE)], 'is not an agent runtime ARN'],
    [['check', '--runtime', RUNTIME_ARN], `No agent runtime ${RUNTIME_ARN} in eu-west-1`],
    [['check', '--runtime', RUNTIME_ARN, '--region', 'us-west-2'], "option '--region <region>' cannot be used"],
    [['check', '--runtime', RUNTIME_ARN, '--role', CDK_ROLE], "option '--role <name>' cannot be used"],
  ])('%j exits 2 and says what is wrong', async (argv, expected) => {
    // Prepare
    control
      .on(GetAgentRuntimeCommand)
      .rejects(new ResourceNotFoundException({ message: 'no such runtime', $metadata: {} }));
    const { io, stdout, stderr } = captureIO({ env });
    // Act
    const code = await run(argv, io);
    // Assess
    expect(code).toBe(2);
    expect(stderr()).toContain(expected);
    expect(stdout()).toBe('');
  });
});

describe('check --role on a role that is not ours', () => {
  it('for a prefixed role another account may assume, says why, and gives no policy to apply by hand', async () => {
    // Prepare
    const name = `${TOOLKIT_PREFIX}evil`;
    givenRole(
      describedRole(name, { AssumeRolePolicyDocument: trustAlso({ AWS: 'arn:aws:iam::999999999999:root' }) }),
      false,
    );
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['check', '--role', name], io);
    // Assess
    expect(code).toBe(1);
    expect(stdout()).toMatch(
      /agentcore-guard does not write to this role: its trust policy also lets AWS "arn:aws:iam::999999999999:root" assume it/,
    );
    expect(stdout()).not.toContain('put-role-policy');
    expect(stdout()).not.toMatch(/^Fix it with: agentcore-guard remediate/m);
  });

  it('for a role without a prefix whose trust would fail the gate, says a prefix would not bring it in scope', async () => {
    // Prepare
    givenRole(
      describedRole('SharedRole', { AssumeRolePolicyDocument: trustAlso({ Service: 'ec2.amazonaws.com' }) }),
      false,
    );
    const { io, stdout } = captureIO({ env });
    // Act
    await run(['check', '--role', 'SharedRole'], io);
    // Assess
    expect(stdout()).toContain(
      'A prefix would not bring it in scope: its trust policy also lets Service "ec2.amazonaws.com" assume it',
    );
    expect(stdout()).not.toContain('--prefixes SharedRole');
    expect(stdout()).toContain('aws iam put-role-policy --role-name SharedRole');
  });

  it('reports whether the role is ours in its JSON', async () => {
    // Prepare
    givenRole(describedRole(`${TOOLKIT_PREFIX}a`, { Path: '/team/' }), false);
    const { io, stdout } = captureIO({ env });
    // Act
    await run(['check', '--role', `${TOOLKIT_PREFIX}a`, '--json'], io);
    // Assess
    expect(JSON.parse(stdout()).ownership).toEqual({
      ours: false,
      because: 'unsupported-path',
      reason: 'it sits at path /team/, not at /',
    });
  });
});
