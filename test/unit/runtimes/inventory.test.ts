import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidAgentRuntimeArnError } from '../../../src/aws/arn.js';
import {
  describeAgentRuntime,
  findAgentRuntime,
  listAgentRuntimes,
  locateRuntimeArn,
} from '../../../src/runtimes/inventory.js';

const control = mockClient(BedrockAgentCoreControlClient);
const client = () => new BedrockAgentCoreControlClient({ region: 'eu-west-1' });
const AWS_ARN = 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/finance_assistant-Xk3mP9qLzT';
/** How moto writes a runtime ARN: a uuid that is not the runtime id, and the version. */
const EMULATOR_ARN = 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:agent/0b9e2a4c-5d4f-4a55-9a38-3c1e0f6c2d11';
const ROLE = 'arn:aws:iam::123456789012:role/MyStack-AgentRuntimeRole1A2B3C-XYZ';

beforeEach(() => control.reset());

describe('listAgentRuntimes', () => {
  it('follows every page and keeps runtimes of every status', async () => {
    // Prepare
    control
      .on(ListAgentRuntimesCommand, { nextToken: undefined })
      .resolves({
        agentRuntimes: [
          { agentRuntimeArn: `${AWS_ARN}1`, agentRuntimeId: 'a1', agentRuntimeName: 'a', status: 'READY' } as never,
        ],
        nextToken: 't1',
      })
      .on(ListAgentRuntimesCommand, { nextToken: 't1' })
      .resolves({
        agentRuntimes: [{ agentRuntimeArn: `${AWS_ARN}2`, agentRuntimeId: 'b2', status: 'CREATE_FAILED' } as never],
      });
    // Act
    const runtimes = await listAgentRuntimes('eu-west-1', client());
    // Assess
    expect(runtimes).toEqual([
      {
        agentRuntimeArn: `${AWS_ARN}1`,
        agentRuntimeId: 'a1',
        agentRuntimeName: 'a',
        region: 'eu-west-1',
        status: 'READY',
      },
      {
        agentRuntimeArn: `${AWS_ARN}2`,
        agentRuntimeId: 'b2',
        agentRuntimeName: 'b2',
        region: 'eu-west-1',
        status: 'CREATE_FAILED',
      },
    ]);
  });
});

describe('describeAgentRuntime', () => {
  it('gives the role the runtime runs as', async () => {
    // Prepare
    control.on(GetAgentRuntimeCommand, { agentRuntimeId: 'a1' }).resolves({
      agentRuntimeArn: AWS_ARN,
      agentRuntimeId: 'a1',
      agentRuntimeName: 'a',
      roleArn: ROLE,
      status: 'READY',
    } as never);
    // Act
    const runtime = await describeAgentRuntime({ agentRuntimeId: 'a1', region: 'eu-west-1' }, client());
    // Assess
    expect(runtime).toMatchObject({ agentRuntimeArn: AWS_ARN, roleArn: ROLE, region: 'eu-west-1', status: 'READY' });
  });

  it('answers undefined for a runtime deleted since it was listed, and lets other errors through', async () => {
    // Prepare
    control
      .on(GetAgentRuntimeCommand, { agentRuntimeId: 'gone' })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .on(GetAgentRuntimeCommand, { agentRuntimeId: 'denied' })
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    // Act
    const gone = await describeAgentRuntime({ agentRuntimeId: 'gone', region: 'eu-west-1' }, client());
    const denied = describeAgentRuntime({ agentRuntimeId: 'denied', region: 'eu-west-1' }, client());
    // Assess
    expect(gone).toBeUndefined();
    await expect(denied).rejects.toThrow('not allowed');
  });
});

describe('locateRuntimeArn', () => {
  it("takes the region and the id from AWS's runtime ARN", () => {
    // Act / Assess
    expect(locateRuntimeArn(AWS_ARN)).toEqual({
      region: 'eu-west-1',
      account: '123456789012',
      agentRuntimeId: 'finance_assistant-Xk3mP9qLzT',
    });
  });

  it("takes only the region from an emulator's versioned ARN, whose uuid is not the id", () => {
    // Act / Assess
    expect(locateRuntimeArn(`${EMULATOR_ARN}:1`)).toEqual({ region: 'eu-west-1', account: '123456789012' });
  });

  it.each([
    ['a role ARN', ROLE],
    ['a memory ARN', 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:memory/m-1'],
    ['a malformed region', 'arn:aws:bedrock-agentcore:eu west:123456789012:runtime/a-1'],
    ['no ARN at all', 'finance_assistant'],
  ])('rejects %s as not a runtime ARN', (_, arn) => {
    // Act / Assess
    expect(() => locateRuntimeArn(arn)).toThrow(InvalidAgentRuntimeArnError);
  });
});

describe('findAgentRuntime', () => {
  it("describes AWS's runtime ARN by its id, in its region, without listing", async () => {
    // Prepare
    const regions: string[] = [];
    control.on(GetAgentRuntimeCommand).resolves({ agentRuntimeArn: AWS_ARN, roleArn: ROLE } as never);
    // Act
    const runtime = await findAgentRuntime(AWS_ARN, (region) => {
      regions.push(region);
      return client();
    });
    // Assess
    expect(regions).toEqual(['eu-west-1']);
    expect(runtime?.roleArn).toBe(ROLE);
    expect(control).toHaveReceivedCommandWith(GetAgentRuntimeCommand, {
      agentRuntimeId: 'finance_assistant-Xk3mP9qLzT',
    });
    expect(control).not.toHaveReceivedCommand(ListAgentRuntimesCommand);
  });

  it("finds an emulator's ARN by listing its region, whichever version the ARN names", async () => {
    // Prepare: the runtime was updated since the ARN was copied
    control.on(ListAgentRuntimesCommand).resolves({
      agentRuntimes: [
        { agentRuntimeArn: `${EMULATOR_ARN.replace('0b9e', 'ffff')}:1`, agentRuntimeId: 'other-1' } as never,
        { agentRuntimeArn: `${EMULATOR_ARN}:2`, agentRuntimeId: 'mine-1' } as never,
      ],
    });
    control.on(GetAgentRuntimeCommand, { agentRuntimeId: 'mine-1' }).resolves({
      agentRuntimeArn: `${EMULATOR_ARN}:2`,
      agentRuntimeId: 'mine-1',
      roleArn: ROLE,
    } as never);
    // Act
    const runtime = await findAgentRuntime(`${EMULATOR_ARN}:1`, client);
    // Assess
    expect(runtime).toMatchObject({ agentRuntimeId: 'mine-1', roleArn: ROLE });
  });

  it('answers undefined when the region has no such runtime', async () => {
    // Prepare
    control.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: [] });
    // Act
    const runtime = await findAgentRuntime(`${EMULATOR_ARN}:1`, client);
    // Assess
    expect(runtime).toBeUndefined();
  });
});
