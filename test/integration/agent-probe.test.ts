import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkAgentHealth } from '../../src/health/check.js';
import { directCodeInterpreterProbe } from '../../src/probes/direct.js';
import { invokeAgentRuntime, invokeLocalAgent, REPLY_LIMIT_CHARS } from '../../src/probes/invoke.js';
import { buildProbe, proofProbe, seedProbe } from '../../src/probes/prompt.js';
import { optedOutOfPromptProbe, resolveTargets } from '../../src/runtimes/discovery.js';
import { SEED_AFTER, SEED_BEFORE, SEED_BEFORE_WITH_PRODUCT } from '../fixtures/seed-transcripts.js';
import { type AgentCoreFake, digestOfProbeToken, startAgentCoreFake, streamed } from '../support/agentcore-fake.js';
import { leaseMoto, type MotoServer } from '../support/moto.js';

// The AgentCore data plane is not in moto: these tests run the REAL SDK clients against a focused local fake
// (test/support/agentcore-fake.ts) that speaks the wire protocol from the SDK's model.

const ARN = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';
const ROLE = 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const target = {
  agentRuntimeArn: ARN,
  agentRuntimeId: 'finale_agent-AbCdE12345',
  agentName: 'finale_agent',
  region: 'us-west-2',
};
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let fake: AgentCoreFake;
let client: BedrockAgentCoreClient;

const check = (probe: 'proof' | 'seed', timeoutMs = 5_000) =>
  checkAgentHealth(target, { agentCoreClientFor: () => client, newProbe: () => buildProbe(probe), timeoutMs });

beforeAll(async () => {
  fake = await startAgentCoreFake();
  client = new BedrockAgentCoreClient({ region: 'us-west-2', endpoint: fake.endpoint, credentials, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await fake.stop();
});
beforeEach(() => fake.reset());

describe('InvokeAgentRuntime as the SDK sends it', () => {
  it('posts {"prompt"} to /runtimes/{arn}/invocations with a session id of at least 33 characters', async () => {
    // Prepare
    fake.answer = ({ prompt }) => ({ body: JSON.stringify({ result: `digest: ${digestOfProbeToken(prompt)}` }) });
    // Act
    await check('proof');
    // Assess
    const [call] = fake.invocations;
    expect(call?.agentRuntimeArn).toBe(ARN);
    expect(call?.contentType).toBe('application/json');
    expect(call?.accept).toContain('text/event-stream');
    expect(call?.sessionId?.length).toBeGreaterThanOrEqual(33);
    expect(call?.payload).toEqual({ prompt: expect.stringMatching(/probe-[0-9a-f]{32}/) });
  });

  it('uses a fresh session and a fresh random string for every check', async () => {
    // Prepare
    fake.answer = () => ({ body: '{}' });
    // Act
    await check('proof');
    await check('proof');
    // Assess
    const [first, second] = fake.invocations;
    expect(first?.sessionId).not.toBe(second?.sessionId);
    expect(first?.prompt).not.toBe(second?.prompt);
  });
});

describe('the proof probe', () => {
  it('is healthy when a JSON reply carries the SHA-256 the fake really computed', async () => {
    // Prepare
    fake.answer = ({ prompt }) => ({
      body: JSON.stringify({
        result: { role: 'assistant', content: [{ text: `It printed ${digestOfProbeToken(prompt)}.` }] },
      }),
    });
    // Act
    const result = await check('proof');
    // Assess
    expect(result).toMatchObject({ verdict: 'healthy', probe: 'proof' });
  });

  it('is healthy when the digest arrives split across server-sent events', async () => {
    // Prepare
    fake.answer = ({ prompt }) => ({ events: streamed(`The tool printed: ${digestOfProbeToken(prompt)}`) });
    // Act
    const result = await check('proof');
    // Assess
    expect(result.verdict).toBe('healthy');
  });

  it('is a wrong answer when the reply has a plausible but wrong digest', async () => {
    // Prepare
    const wrong = proofProbe('0'.repeat(32)).expectedDigest;
    fake.answer = () => ({ events: streamed(`The tool printed: ${wrong}`) });
    // Act
    const result = await check('proof');
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'wrong-answer' });
    expect(result.excerpt).toContain(wrong.slice(0, 20));
  });

  it('is a timeout, within the bound, when the agent never answers', async () => {
    // Prepare
    fake.answer = () => ({ hang: true, contentType: 'text/event-stream' });
    const started = Date.now();
    // Act
    const result = await check('proof', 300);
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is an invoke error when the service refuses the call', async () => {
    // Prepare
    fake.answer = () => ({
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
      body: JSON.stringify({ message: 'not authorized to perform bedrock-agentcore:InvokeAgentRuntime' }),
    });
    // Act
    const result = await check('proof');
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'invoke-error' });
    expect(result.excerpt).toContain('AccessDeniedException');
  });
});

describe('a reply far larger than any answer', () => {
  it('is judged by the digest at its end while only its head and tail are kept', async () => {
    // Prepare: 32 MiB of output before the digest, streamed as the client reads it
    const probe = proofProbe('ab'.repeat(16));
    const filler = 'x'.repeat(64 * 1024);
    const fillerChars = 512 * filler.length;
    fake.answer = () => ({
      contentType: 'application/json',
      chunks: (function* () {
        yield '{"result": "tool output: ';
        for (let i = 0; i < 512; i++) yield filler;
        yield ` digest: ${probe.expectedDigest}"}`;
      })(),
    });
    // Act
    const outcome = await invokeAgentRuntime({ client, agentRuntimeArn: ARN, prompt: probe.prompt, timeoutMs: 60_000 });
    // Assess
    expect(outcome.kind).toBe('reply');
    const text = outcome.kind === 'reply' ? outcome.text : '';
    expect(text.length).toBeLessThan(REPLY_LIMIT_CHARS + 200);
    expect(text.length).toBeLessThan(fillerChars / 16);
    expect(text).toMatch(/characters of the reply dropped here/);
    expect(probe.judge(text)).toEqual({ pass: true });
  });
});

describe('the seed probe on the seed transcripts', () => {
  it.each([
    ['JSON', (text: string) => ({ body: JSON.stringify({ result: text }) })],
    ['SSE', (text: string) => ({ events: streamed(text) })],
  ])('judges the "before" transcript failing, in %s, although it says 391', async (_format, as) => {
    // Prepare
    fake.answer = () => as(SEED_BEFORE_WITH_PRODUCT);
    // Act
    const result = await check('seed');
    // Assess
    expect(SEED_BEFORE_WITH_PRODUCT).toContain('391');
    expect(result).toMatchObject({ verdict: 'failing', reason: 'tool-not-executed' });
    expect(result.excerpt).toMatch(/execution environment|access restrictions/);
  });

  it('judges the verbatim "before" excerpt failing', async () => {
    // Prepare
    fake.answer = () => ({ body: JSON.stringify({ result: SEED_BEFORE }) });
    // Act
    const result = await check('seed');
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'tool-not-executed' });
  });

  it.each([
    ['JSON', (text: string) => ({ body: JSON.stringify({ result: text }) })],
    ['SSE', (text: string) => ({ events: streamed(text) })],
  ])('judges the "after" transcript healthy, in %s', async (_format, as) => {
    // Prepare
    fake.answer = () => as(SEED_AFTER);
    // Act
    const result = await check('seed');
    // Assess
    expect(result.verdict).toBe('healthy');
    expect(fake.invocations[0]?.prompt).toBe(seedProbe().prompt);
  });
});

describe('a local agent on /invocations', () => {
  it('gets the same probe and the same verdict as a deployed one', async () => {
    // Prepare
    fake.answer = ({ prompt }) => ({ events: streamed(`hash: ${digestOfProbeToken(prompt)}`) });
    const probe = buildProbe('proof');
    // Act
    const outcome = await invokeLocalAgent({ baseUrl: fake.endpoint, prompt: probe.prompt, timeoutMs: 5_000 });
    // Assess
    expect(fake.invocations[0]?.path).toBe('/invocations');
    expect(outcome.kind === 'reply' && probe.judge(outcome.text)).toEqual({ pass: true });
  });
});

describe('discovery through the control plane', () => {
  it('lists every page and keeps only READY runtimes, with their role', async () => {
    // Prepare
    const runtime = (n: number, status: string) => ({
      agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/agent${n}-AbCdE1234${n}`,
      agentRuntimeId: `agent${n}-AbCdE1234${n}`,
      agentRuntimeName: `agent${n}`,
      status,
      roleArn: `${ROLE}${n}`,
    });
    fake.runtimes.push(
      runtime(1, 'READY'),
      runtime(2, 'CREATING'),
      runtime(3, 'READY'),
      runtime(4, 'READY'),
      runtime(5, 'FAILED'),
    );
    const control = new BedrockAgentCoreControlClient({ region: 'us-west-2', endpoint: fake.endpoint, credentials });
    // Act
    const targets = await resolveTargets(
      { agentRuntimeArns: [], discoveryRegions: ['us-west-2'] },
      { controlClientFor: () => control },
    );
    // Assess
    expect(targets.map((t) => [t.agentName, t.roleArn, t.region])).toEqual([
      ['agent1', `${ROLE}1`, 'us-west-2'],
      ['agent3', `${ROLE}3`, 'us-west-2'],
      ['agent4', `${ROLE}4`, 'us-west-2'],
    ]);
  });
});

describe("discovery and the probe tag through moto's bedrock-agentcore-control", () => {
  // moto implements CreateAgentRuntime, GetAgentRuntime, ListAgentRuntimes and the tag calls (TagResource,
  // ListTagsForResource); it has no data plane, so no prompt is sent here.
  let moto: MotoServer;
  let control: BedrockAgentCoreControlClient;
  const create = async (name: string, roleName: string, tags?: Record<string, string>) =>
    control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: name,
        agentRuntimeArtifact: {
          containerConfiguration: { containerUri: `123456789012.dkr.ecr.us-west-2.amazonaws.com/${name}:latest` },
        },
        roleArn: `arn:aws:iam::123456789012:role/${roleName}`,
        networkConfiguration: { networkMode: 'PUBLIC' },
        ...(tags ? { tags } : {}),
      }),
    );

  beforeAll(async () => {
    moto = await leaseMoto();
    control = new BedrockAgentCoreControlClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials });
  });
  afterAll(async () => {
    control.destroy();
    await moto.release();
  });

  it("finds each runtime's real execution role, whatever it is called, and which runtimes opted out of the prompt", async () => {
    // Prepare: a CDK-deployed agent (generated role name) tagged off at creation, one tagged later, one untagged
    const cdk = await create('cdk_agent', 'MyStack-AgentRuntimeRole1A2B3C-XYZ', { 'agentcore-guard:probe': 'off' });
    const later = await create('later_agent', 'Terraform-agent-role-20261129');
    const toolkit = await create('toolkit_agent', 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789');
    await control.send(
      new TagResourceCommand({ resourceArn: later.agentRuntimeArn, tags: { 'agentcore-guard:probe': 'Off' } }),
    );
    // Act
    const targets = await resolveTargets(
      { agentRuntimeArns: [], discoveryRegions: ['us-west-2'] },
      { controlClientFor: () => control },
    );
    const optedOut = await Promise.all(
      targets.map((t) => optedOutOfPromptProbe(t, { controlClientFor: () => control })),
    );
    // Assess
    expect(targets.map((t, i) => [t.agentRuntimeArn, t.roleArn, optedOut[i]]).sort()).toEqual(
      [
        [cdk.agentRuntimeArn, 'arn:aws:iam::123456789012:role/MyStack-AgentRuntimeRole1A2B3C-XYZ', true],
        [later.agentRuntimeArn, 'arn:aws:iam::123456789012:role/Terraform-agent-role-20261129', true],
        [
          toolkit.agentRuntimeArn,
          'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789',
          false,
        ],
      ].sort(),
    );
  });
});

describe('the direct Code Interpreter probe on the wire', () => {
  it('starts a session on aws.codeinterpreter.v1, reads the result event stream and stops the session', async () => {
    // Act
    const check = await directCodeInterpreterProbe({ client, timeoutMs: 5_000, operands: [17, 23] });
    // Assess
    expect(check).toEqual({ ok: true, detail: 'aws.codeinterpreter.v1 computed 17 * 23 = 391' });
    expect(fake.interpreter.calls).toEqual([
      {
        sessionId: 'sess-1',
        body: { name: 'executeCode', arguments: { language: 'python', code: 'print(17 * 23)' } },
      },
    ]);
    expect(fake.interpreter.stopped).toEqual(['sess-1']);
  });

  it('stops the session also when executing is refused', async () => {
    // Prepare
    fake.interpreter.failInvoke = true;
    // Act
    const check = await directCodeInterpreterProbe({ client, timeoutMs: 5_000, operands: [17, 23] });
    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('AccessDeniedException');
    expect(fake.interpreter.stopped).toEqual(['sess-1']);
  });
});
