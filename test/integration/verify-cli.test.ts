import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/cli/actions/verify.js';
import { run } from '../../src/cli/main.js';
import { describeError, EXIT } from '../../src/cli/output.js';
import type { PermissionReport } from '../../src/permission/report.js';
import { SEED_AFTER, SEED_BEFORE_WITH_PRODUCT } from '../fixtures/seed-transcripts.js';
import { type AgentCoreFake, digestOfProbeToken, startAgentCoreFake, streamed } from '../support/agentcore-fake.js';
import { captureIO } from '../support/cli-io.js';

// `verify` against the local AgentCore fake (moto has no AgentCore): as a local agent on /invocations, and as a
// deployed one through the real SDK clients.

const ARN = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let fake: AgentCoreFake;
let out: string[];
let err: string[];
const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
const clients = () => ({
  agentCoreClientFor: (region: string) =>
    new BedrockAgentCoreClient({ region, endpoint: fake.endpoint, credentials, maxAttempts: 1 }),
  controlClientFor: (region: string) =>
    new BedrockAgentCoreControlClient({ region, endpoint: fake.endpoint, credentials, maxAttempts: 1 }),
});

beforeAll(async () => {
  fake = await startAgentCoreFake();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  out = [];
  err = [];
});

describe('verify --local', () => {
  it('prints HEALTHY and exits 0 when the local agent really ran the proof program', async () => {
    // Prepare
    fake.answer = ({ prompt }) => ({ body: JSON.stringify({ result: `Printed: ${digestOfProbeToken(prompt)}` }) });
    // Act
    const code = await verifyCommand({ local: fake.endpoint }, io);
    // Assess
    expect(code).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(/^local agent {2}HEALTHY/);
    expect(fake.invocations[0]?.path).toBe('/invocations');
  });

  it('prints the failing verdict and exits 1 on the seed\'s "before" transcript', async () => {
    // Prepare
    fake.answer = () => ({ events: streamed(SEED_BEFORE_WITH_PRODUCT) });
    // Act
    const code = await verifyCommand({ local: fake.endpoint, probe: 'seed' }, io);
    // Assess
    expect(code).toBe(EXIT.findings);
    expect(out.join('\n')).toContain('FAILING  tool-not-executed');
  });
});

/** A READY runtime whose agent answers with the seed's "after" transcript. */
function givenHealthyDeployedAgent() {
  fake.runtimes.push({
    agentRuntimeArn: ARN,
    agentRuntimeId: 'finale_agent-AbCdE12345',
    agentRuntimeName: 'finale_agent',
    status: 'READY',
    roleArn: 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789',
  });
  fake.answer = () => ({ body: JSON.stringify({ result: SEED_AFTER }) });
}

describe('verify --agent', () => {
  it('invokes the deployed agent and prints the verdict as JSON on request', async () => {
    // Prepare
    givenHealthyDeployedAgent();
    // Act
    const code = await verifyCommand({ agent: ARN, probe: 'seed', json: true }, io, clients());
    // Assess
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out.join(''))).toMatchObject({ agentName: 'finale_agent', verdict: 'healthy', probe: 'seed' });
  });
});

describe('verify --agent when the permission probe cannot run', () => {
  it('prints the permission check as skipped with its reason, not allowed, and lets the prompt decide', async () => {
    // Prepare
    givenHealthyDeployedAgent();
    const permissionProbe = async (): Promise<PermissionReport> => {
      throw Object.assign(new Error('User is not authorized to perform: iam:SimulatePrincipalPolicy'), {
        name: 'AccessDenied',
      });
    };
    // Act
    const code = await verifyCommand({ agent: ARN, probe: 'seed' }, io, { ...clients(), permissionProbe });
    // Assess
    expect(code).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(
      /^ {2}permission +skipped \(User is not authorized to perform: iam:SimulatePrincipalPolicy\)/m,
    );
    expect(out.join('\n')).not.toContain('allowed');
  });
});

describe('verify --agent when the caller may not invoke the agent', () => {
  it('exits 2 and says which permission is missing, instead of judging the agent', async () => {
    // Prepare
    fake.answer = () => ({
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
      body: JSON.stringify({ message: 'User is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime' }),
    });
    // Act
    const code = await verifyCommand({ agent: ARN }, io, clients());
    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toContain('bedrock-agentcore:InvokeAgentRuntime');
    expect(out).toEqual([]);
  });
});

describe('verify --agent when the SSO session has expired', () => {
  it('exits 2 with the same advice as every other command, instead of judging the agent failing', async () => {
    // Prepare: the SDK's SSO token provider throws this when `aws sso login` has expired; the request never leaves
    const expired = Object.assign(
      new Error("Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile."),
      { name: 'TokenProviderError' },
    );
    const expiredCredentials = async () => {
      throw expired;
    };
    const deps = {
      agentCoreClientFor: (region: string) =>
        new BedrockAgentCoreClient({
          region,
          endpoint: fake.endpoint,
          credentials: expiredCredentials,
          maxAttempts: 1,
        }),
      controlClientFor: (region: string) =>
        new BedrockAgentCoreControlClient({
          region,
          endpoint: fake.endpoint,
          credentials: expiredCredentials,
          maxAttempts: 1,
        }),
    };
    // Act
    const code = await verifyCommand({ agent: ARN }, io, deps);
    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toBe(describeError(expired).message);
    expect(out).toEqual([]);
    expect(fake.invocations).toHaveLength(0);
  });
});

describe('usage errors exit 2 with a message', () => {
  it.each([
    [{}, /exactly one of --agent/],
    [{ agent: ARN, local: 'http://localhost:8080' }, /exactly one of --agent/],
    [{ agent: 'arn:aws:iam::123456789012:role/x' }, /not an agent runtime ARN/],
    [{ local: 'http://localhost:8080', probe: 'vibes' }, /--probe must be one of/],
    [{ local: 'http://localhost:8080', probe: 'custom', prompt: 'x' }, /--prompt and --expect/],
    [{ local: 'localhost' }, /--local needs a URL/],
  ])('%o', async (options, message) => {
    // Act
    const code = await verifyCommand(options, io);
    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toMatch(message);
    expect(fake.invocations).toHaveLength(0);
  });
});

describe('agentcore-guard verify, through the CLI', () => {
  it("is a command of the program, in-process, with the program's exit codes", async () => {
    // Prepare
    fake.answer = () => ({ events: streamed(SEED_BEFORE_WITH_PRODUCT) });
    const { io, stdout } = captureIO();
    // Act
    const code = await run(['verify', '--local', fake.endpoint, '--probe', 'seed', '--json'], io);
    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(stdout())).toMatchObject({ verdict: 'failing', reason: 'tool-not-executed' });
  });

  it('says what is missing and exits 2 when given neither --agent nor --local', async () => {
    // Prepare
    const { io, stderr } = captureIO();
    // Act
    const code = await run(['verify'], io);
    // Assess
    expect(code).toBe(2);
    expect(stderr()).toContain('--agent');
  });

  it('runs as a person would: the bin, a child process, a local agent', async () => {
    // Prepare
    fake.answer = ({ prompt }) => ({ body: JSON.stringify({ result: `sha256: ${digestOfProbeToken(prompt)}` }) });
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/agentcore-guard.js', 'verify', '--local', fake.endpoint],
      { cwd: root, timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    );
    // Assess: execFile resolves only on exit code 0
    expect(stdout).toMatch(/^local agent {2}HEALTHY/);
    expect(stdout).toContain('probe      proof');
  });
});
