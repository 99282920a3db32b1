import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { optedOutOfPromptProbe, resolveTargets } from '../../../src/runtimes/discovery.js';
import { captureOutput } from '../../support/output.js';

const control = mockClient(BedrockAgentCoreControlClient);
const output = captureOutput();
const ARN_WEST = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/west_agent-AbCdE12345';
const ARN_EU = 'arn:aws:bedrock-agentcore:eu-central-1:123456789012:runtime/eu_agent-AbCdE12345';

beforeEach(() => control.reset());

describe('explicit targets', () => {
  it("take each agent's region from its ARN", async () => {
    // Prepare
    const regions: string[] = [];
    control.on(GetAgentRuntimeCommand).callsFake((input: { agentRuntimeId: string }) => ({
      agentRuntimeName: input.agentRuntimeId.split('-')[0],
      roleArn: `arn:aws:iam::123456789012:role/role-${input.agentRuntimeId}`,
      status: 'READY',
    }));
    // Act
    const targets = await resolveTargets(
      { agentRuntimeArns: [ARN_WEST, ARN_EU], discoveryRegions: ['us-east-1'] },
      {
        controlClientFor: (region) => {
          regions.push(region);
          return new BedrockAgentCoreControlClient({ region });
        },
      },
    );
    // Assess
    expect(regions).toEqual(['us-west-2', 'eu-central-1']);
    expect(targets.map((t) => [t.region, t.agentName])).toEqual([
      ['us-west-2', 'west_agent'],
      ['eu-central-1', 'eu_agent'],
    ]);
    expect(control).not.toHaveReceivedCommand(ListAgentRuntimesCommand);
  });

  it('are still checked, without a role, when GetAgentRuntime fails', async () => {
    // Prepare
    control.on(GetAgentRuntimeCommand).rejects(new Error('AccessDenied'));
    // Act
    const [target] = await resolveTargets(
      { agentRuntimeArns: [ARN_WEST], discoveryRegions: [] },
      { controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }) },
    );
    // Assess
    expect(target).toMatchObject({ agentRuntimeArn: ARN_WEST, region: 'us-west-2' });
    expect(target?.roleArn).toBeUndefined();
  });
});

const entry = (n: number) => ({
  agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/a${n}-AbCdE12345`,
  agentRuntimeId: `a${n}-AbCdE12345`,
  agentRuntimeName: `a${n}`,
  agentRuntimeVersion: '1',
  description: '',
  lastUpdatedAt: new Date(),
  status: 'READY' as const,
});
const discoverIn = (regions: string[], concurrency?: number) =>
  resolveTargets(
    { agentRuntimeArns: [], discoveryRegions: regions },
    { controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }), concurrency },
  );
const described = { roleArn: 'arn:aws:iam::123456789012:role/r', status: 'READY' as const };

describe('discovery', () => {
  it('follows nextToken through every page', async () => {
    // Prepare
    control
      .on(ListAgentRuntimesCommand)
      .resolvesOnce({ agentRuntimes: [entry(1)], nextToken: 'p2' })
      .resolvesOnce({ agentRuntimes: [entry(2)] });
    control.on(GetAgentRuntimeCommand).resolves({ roleArn: 'arn:aws:iam::123456789012:role/r', status: 'READY' });
    // Act
    const targets = await resolveTargets(
      { agentRuntimeArns: [], discoveryRegions: ['us-west-2'] },
      { controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }) },
    );
    // Assess
    expect(targets.map((t) => t.agentName)).toEqual(['a1', 'a2']);
    expect(control).toHaveReceivedCommandWith(ListAgentRuntimesCommand, { nextToken: 'p2' });
  });
});

describe('discovery, one runtime at a time', () => {
  it('skips a runtime deleted between the listing and its description, and keeps the others', async () => {
    // Prepare
    control.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: [entry(1), entry(2), entry(3)] });
    control.on(GetAgentRuntimeCommand).resolves(described);
    control
      .on(GetAgentRuntimeCommand, { agentRuntimeId: 'a2-AbCdE12345' })
      .rejects(new ResourceNotFoundException({ message: 'runtime a2 not found', $metadata: {} }));
    // Act
    const targets = await discoverIn(['us-west-2']);
    // Assess
    expect(targets.map((t) => t.agentName)).toEqual(['a1', 'a3']);
    expect(output.lines().find((l) => l.message === 'agent runtime skipped')).toMatchObject({
      level: 'INFO',
      agentRuntimeArn: entry(2).agentRuntimeArn,
      reason: 'deleted',
    });
  });

  it('skips a runtime it cannot describe for any other reason, with a warning, and keeps the others', async () => {
    // Prepare
    control.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: [entry(1), entry(2)] });
    control.on(GetAgentRuntimeCommand).resolves(described);
    control
      .on(GetAgentRuntimeCommand, { agentRuntimeId: 'a1-AbCdE12345' })
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    // Act
    const targets = await discoverIn(['us-west-2']);
    // Assess
    expect(targets.map((t) => t.agentName)).toEqual(['a2']);
    expect(output.lines('WARN')).toEqual([
      expect.objectContaining({
        message: 'agent runtime skipped',
        agentRuntimeArn: entry(1).agentRuntimeArn,
        error: 'Rate exceeded',
      }),
    ]);
  });

  it('describes no more runtimes at once than its concurrency', async () => {
    // Prepare: ten runtimes, each description answered a moment later
    const concurrency = 3;
    let inFlight = 0;
    let mostInFlight = 0;
    control.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: Array.from({ length: 10 }, (_, i) => entry(i)) });
    control.on(GetAgentRuntimeCommand).callsFake(async () => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return described;
    });
    // Act
    const targets = await discoverIn(['us-west-2'], concurrency);
    // Assess
    expect(targets).toHaveLength(10);
    expect(mostInFlight).toBe(concurrency);
  });
});

describe('the prompt probe opt-out tag', () => {
  const optedOut = (tags: Record<string, string> | undefined) => {
    control.on(ListTagsForResourceCommand).resolves({ tags });
    return optedOutOfPromptProbe(
      { agentRuntimeArn: ARN_WEST, region: 'us-west-2' },
      { controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }) },
    );
  };

  it.each(['off', 'OFF', ' off ', 'false', 'none', 'disabled'])(
    'opts the runtime out when it says %j',
    async (value) => {
      // Act / Assess
      expect(await optedOut({ 'agentcore-guard:probe': value })).toBe(true);
    },
  );

  it.each([
    ['no tags', undefined],
    ['other tags only', { team: 'payments' }],
    ['the tag on', { 'agentcore-guard:probe': 'on' }],
    ['another case of the key', { 'AgentCore-Guard:Probe': 'off' }],
  ])('leaves the runtime in with %s', async (_, tags) => {
    // Act / Assess
    expect(await optedOut(tags)).toBe(false);
  });

  it("asks the runtime's own region for the tags of its ARN", async () => {
    // Prepare
    const regions: string[] = [];
    control.on(ListTagsForResourceCommand).resolves({ tags: {} });
    // Act
    await optedOutOfPromptProbe(
      { agentRuntimeArn: ARN_EU, region: 'eu-central-1' },
      {
        controlClientFor: (region) => {
          regions.push(region);
          return new BedrockAgentCoreControlClient({ region });
        },
      },
    );
    // Assess
    expect(regions).toEqual(['eu-central-1']);
    expect(control).toHaveReceivedCommandWith(ListTagsForResourceCommand, { resourceArn: ARN_EU });
  });
});
