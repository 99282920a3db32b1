import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHealthCheckHandler, healthCheckDeps } from '../../../handlers/healthcheck/index.js';
import { loadConfig } from '../../../src/config.js';
import { ACCOUNT, describedRole, noSuchEntity, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';
import { lambdaContext } from '../../support/lambda.js';
import { captureOutput } from '../../support/output.js';

const iamMock = mockClient(IAMClient);
const controlMock = mockClient(BedrockAgentCoreControlClient);
const output = captureOutput();
const roleName = `${TOOLKIT_PREFIX}us-west-2-0123456789`;
const agentRuntimeArn = `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/finale_agent-AbCdE12345`;
const handlerWith = (selfHeal: 'true' | 'false') =>
  createHealthCheckHandler(
    healthCheckDeps(loadConfig({ AWS_REGION: 'us-east-1', AGENT_RUNTIME_ARNS: agentRuntimeArn, SELF_HEAL: selfHeal })),
  );
const policyWritten = () => output.lines('INFO').filter((line) => line.message === 'policy written');

beforeEach(() => {
  iamMock.reset();
  controlMock.reset();
  controlMock.on(GetAgentRuntimeCommand).resolves({
    agentRuntimeName: 'finale_agent',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    status: 'READY',
  });
  // IAM's simulator: the role may not start a Code Interpreter session (nothing grants it).
  iamMock.on(SimulatePrincipalPolicyCommand).resolves({
    EvaluationResults: [
      { EvalActionName: 'bedrock-agentcore:StartCodeInterpreterSession', EvalDecision: 'implicitDeny' },
    ],
  });
  iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Tags: [] }) });
  iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iamMock.on(PutRolePolicyCommand).resolves({});
});

describe('healthcheck handler: what a self-heal write leaves in the log', () => {
  it('logs the write with the reason self-heal, the role and the change it made', async () => {
    // Act
    await handlerWith('true')({ probes: 'permission' }, lambdaContext({ remainingMs: 900_000 }));
    // Assess
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: roleName });
    expect(policyWritten()).toEqual([
      expect.objectContaining({
        action: 'PutRolePolicy',
        role: roleName,
        reason: 'self-heal',
        previous: 'absent',
        change: expect.objectContaining({
          actions: expect.objectContaining({
            added: expect.arrayContaining(['bedrock-agentcore:StartCodeInterpreterSession']),
          }),
        }),
      }),
    ]);
  });

  it('logs no write when self-heal is off', async () => {
    // Act
    await handlerWith('false')({ probes: 'permission' }, lambdaContext({ remainingMs: 900_000 }));
    // Assess
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(policyWritten()).toEqual([]);
  });
});
