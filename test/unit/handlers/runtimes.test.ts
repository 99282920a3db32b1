import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRuntimesHandler, runtimesDeps } from '../../../handlers/runtimes/index.js';
import { loadConfig } from '../../../src/config.js';
import { apiCallEvent } from '../../support/events.js';
import {
  ACCOUNT,
  describedRole,
  LEAST_PRIVILEGE_DOCUMENT,
  noSuchEntity,
  TOOLKIT_PREFIX,
} from '../../support/iam-fixtures.js';
import { lambdaContext } from '../../support/lambda.js';
import { captureOutput } from '../../support/output.js';

const iamMock = mockClient(IAMClient);
const controlMock = mockClient(BedrockAgentCoreControlClient);
const output = captureOutput();
const handler = createRuntimesHandler(runtimesDeps(loadConfig({ AWS_REGION: 'us-east-1' })));
const roleName = `${TOOLKIT_PREFIX}us-west-2-0123456789`;
const agentRuntimeId = 'finale_agent-AbCdE12345';
const agentRuntimeArn = `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/${agentRuntimeId}`;

const runtimeEvent = (eventName: 'CreateAgentRuntime' | 'UpdateAgentRuntime', id: string) =>
  apiCallEvent({
    source: 'aws.bedrock-agentcore',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName,
    region: 'us-west-2',
    id,
    requestParameters: { agentRuntimeId },
    responseElements: { agentRuntimeId },
  });

beforeEach(() => {
  iamMock.reset();
  controlMock.reset();
  controlMock.on(GetAgentRuntimeCommand).resolves({
    agentRuntimeArn,
    agentRuntimeName: 'finale_agent',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
  });
  iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Tags: [] }) });
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iamMock.on(PutRolePolicyCommand).resolves({});
});

describe('runtimes handler: what a write leaves in the log', () => {
  it('logs the write to a runtime role of ours with the runtime event as the reason, and the runtime', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    // Act
    await handler(runtimeEvent('UpdateAgentRuntime', 'evt-9'), lambdaContext());
    // Assess
    const written = output.lines('INFO').filter((line) => line.message === 'policy written');
    expect(written).toEqual([
      expect.objectContaining({
        action: 'PutRolePolicy',
        role: roleName,
        reason: 'UpdateAgentRuntime',
        eventId: 'evt-9',
        agentRuntimeArn,
        previous: 'absent',
        change: expect.objectContaining({
          resources: { added: ['arn:aws:bedrock-agentcore:*:aws:code-interpreter/*'], removed: [] },
        }),
      }),
    ]);
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: roleName });
  });

  it('logs no write for a role that already has our policy', async () => {
    // Prepare: the document our least-privilege profile writes.
    const ours = LEAST_PRIVILEGE_DOCUMENT;
    iamMock.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(JSON.stringify(ours)) });
    // Act
    const result = await handler(runtimeEvent('CreateAgentRuntime', 'evt-10'), lambdaContext());
    // Assess
    expect(result).toMatchObject({ status: 'checked', check: { outcome: { status: 'compliant' } } });
    expect(output.lines('INFO').filter((line) => line.message === 'policy written')).toEqual([]);
  });
});
