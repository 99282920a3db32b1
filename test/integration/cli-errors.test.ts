import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BedrockAgentCoreControlClient, CreateAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AgentCoreFake, digestOfProbeToken, startAgentCoreFake } from '../support/agentcore-fake.js';
import { iamError, startFakeIam } from '../support/fake-iam.js';
import { freePort, leaseMoto, type MotoServer } from '../support/moto.js';

// Each failure a person meets in the first hour, through the real bin in a child process with the environment set:
// exit 2 and one sentence with the cause and what to do, never the SDK's or Powertools' internals.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const P = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-';
const onNode20 = Number(process.versions.node.split('.')[0]) < 22;

/** Internals that must never reach a person. */
const RAW = [
  /XML parse error/,
  /mismatched tags/,
  /Deserialization error/,
  /\$response/,
  /Unknown \(HTTP/,
  /UnknownError/,
  /TypeError/,
  /NodeVersionSupportWarning/,
  /Multiple credential sources/,
  /"level":/,
  /^\s+at /m,
];

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const base = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
  try {
    const { stdout, stderr } = await run(process.execPath, [inject('cliBundle'), ...args], {
      cwd: root,
      env: { ...base, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const keys = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
const quiet = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

function expectNoInternals(result: CliResult) {
  for (const pattern of RAW) expect(`${result.stdout}\n${result.stderr}`).not.toMatch(pattern);
}

/** stderr's lines, without the one-line Node notice. */
const errorLines = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l && !l.includes('upgrade when you can'));

/** A web server that answers every request with an HTML page that is not even well-formed XML. */
async function startWebPage(status: number): Promise<{ endpoint: string; server: Server }> {
  const page = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Not Found</title></head><body></body></html>';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'text/html' }).end(page));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let webPage: { endpoint: string; server: Server };
let closedPort: number;

beforeAll(async () => {
  webPage = await startWebPage(404);
  closedPort = await freePort();
});
afterAll(async () => {
  await new Promise((resolve) => webPage.server.close(resolve));
});

describe('a connection that is refused', () => {
  it.each([['sweep'], ['check', '--role', `${P}x`], ['doctor']])(
    '%s names ECONNREFUSED and the endpoint, exit 2',
    async (...args) => {
      // Act
      const result = await cli(args, { ...keys, ...quiet, AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` });

      // Assess
      expect(result.code).toBe(2);
      expect(errorLines(result.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(`^agentcore-guard: Cannot reach http://127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED`),
        ),
      ]);
      expect(result.stderr).toContain('AWS_ENDPOINT_URL');
      expectNoInternals(result);
    },
  );

  it('verify --local names ECONNREFUSED, not "The invocation failed: TypeError."', async () => {
    // Act
    const result = await cli(['verify', '--local', `http://127.0.0.1:${closedPort}`], quiet);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot reach http://127.0.0.1:${closedPort}/ (ECONNREFUSED`);
    expect(result.stderr).toContain('Start the agent');
    expect(result.stdout).toBe('');
    expectNoInternals(result);
  });
});

describe('an endpoint that answers with a web page', () => {
  it.each([['sweep'], ['check', '--role', `${P}x`], ['doctor']])(
    "%s says the answer is not AWS's and to check AWS_ENDPOINT_URL, exit 2",
    async (...args) => {
      // Act
      const result = await cli(args, { ...keys, ...quiet, AWS_ENDPOINT_URL: webPage.endpoint });

      // Assess
      expect(result.code).toBe(2);
      expect(errorLines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toContain(`${webPage.endpoint} (AWS_ENDPOINT_URL) answered HTTP 404`);
      expectNoInternals(result);
    },
  );

  it('verify --local says what answered, once, without "HTTP 404 (HTTP 404)"', async () => {
    // Act
    const result = await cli(['verify', '--local', webPage.endpoint], quiet);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('The agent answered HTTP 404 instead of a reply');
    expect(result.stdout).not.toContain('(HTTP 404)');
    expectNoInternals(result);
  });
});

describe('credentials', () => {
  it('AWS_PROFILE=nosuch says the profile does not exist, in one line, without the SDK warnings', async () => {
    // Act
    const result = await cli(['sweep'], { ...keys, ...quiet, AWS_PROFILE: 'nosuch' });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('The AWS profile "nosuch" (AWS_PROFILE) does not exist'),
    ]);
    expectNoInternals(result);
  });

  it('an expired session says so and how to refresh it, exit 2', async () => {
    // Prepare: IAM's answer to an expired session token
    const expiredIam = await startFakeIam(() => [
      403,
      iamError('ExpiredToken', 'The security token included in the request is expired'),
    ]);

    try {
      // Act
      const result = await cli(['sweep'], {
        ...keys,
        ...quiet,
        AWS_SESSION_TOKEN: 'old',
        AWS_ENDPOINT_URL: expiredIam.endpoint,
      });

      // Assess
      expect(result.code).toBe(2);
      expect(errorLines(result.stderr)).toEqual([
        expect.stringMatching(/^agentcore-guard: Your AWS session has expired \(ExpiredToken: .*\)\. Refresh it/),
      ]);
    } finally {
      await expiredIam.stop();
    }
  });
});

describe("the SDK's Node version notice", () => {
  it(onNode20 ? 'is one line recommending Node 22' : 'is not shown on Node 22 or later', async () => {
    // Act: no AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
    const result = await cli(['sweep'], { ...keys, AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` });

    // Assess
    const notices = result.stderr.split('\n').filter((l) => /Node/.test(l));
    expect(notices).toEqual(onNode20 ? [expect.stringMatching(/Node 22 or later/)] : []);
    expect(result.stderr.trim().split('\n')).toHaveLength(onNode20 ? 2 : 1);
    expectNoInternals(result);
  });

  it('is not shown by a command that does not call AWS', async () => {
    // Act
    const result = await cli(['policy'], {});

    // Assess
    expect(result.stderr).toBe('');
  });
});

describe('verify --agent', () => {
  let moto: MotoServer;
  let fake: AgentCoreFake;
  beforeAll(async () => {
    [moto, fake] = await Promise.all([leaseMoto(), startAgentCoreFake()]);
  });
  afterAll(async () => {
    await Promise.all([moto?.release(), fake?.stop()]);
  });

  it('against an endpoint without the data plane says the answer is not AWS\'s, not "Unknown (HTTP 404)"', async () => {
    // Prepare: moto has the control plane (the runtime exists) but no InvokeAgentRuntime
    const control = new BedrockAgentCoreControlClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const created = await control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: 'finale',
        agentRuntimeArtifact: {
          containerConfiguration: { containerUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1' },
        },
        roleArn: `arn:aws:iam::123456789012:role/${P}finale`,
        networkConfiguration: { networkMode: 'PUBLIC' },
      }),
    );
    const arn = `arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${created.agentRuntimeId}`;

    // Act
    const result = await cli(['verify', '--agent', arn], { ...keys, ...quiet, AWS_ENDPOINT_URL: moto.endpoint });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('answered HTTP 404 with something that is not an AWS API response');
    expectNoInternals(result);
  });

  it('prints the verdict with no log line in it when the permission probe cannot run', async () => {
    // Prepare: the agent answers the proof; IAM (for the permission probe) is a web page
    const runtimeArn = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';
    fake.runtimes.push({
      agentRuntimeArn: runtimeArn,
      agentRuntimeId: 'finale_agent-AbCdE12345',
      agentRuntimeName: 'finale_agent',
      status: 'READY',
      roleArn: `arn:aws:iam::123456789012:role/${P}finale`,
    });
    fake.answer = ({ prompt }) => ({ body: JSON.stringify({ result: `sha256: ${digestOfProbeToken(prompt)}` }) });

    // Act
    const result = await cli(['verify', '--agent', runtimeArn], {
      ...keys,
      ...quiet,
      AWS_ENDPOINT_URL: webPage.endpoint,
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: fake.endpoint,
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL: fake.endpoint,
    });

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^finale_agent {2}HEALTHY\n/);
    expect(result.stdout).toMatch(/^ {2}permission +skipped \(.*not an AWS API response/m);
    expect(result.stderr).toBe('');
    expectNoInternals(result);
  });
});
