import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GetRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIamClient } from '../../src/aws/clients.js';
import { runOnTerminal } from '../support/cli-io.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createRoles } from '../support/iam-fixtures.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';

// The terminal a person is left with: a real pseudo-terminal for Ctrl-C and SIGTERM during a sweep, made slow by
// a loopback proxy that adds latency in front of moto; and a real pipe whose reader has gone.

const root = fileURLToPath(new URL('../..', import.meta.url));
const P = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-';
const ROLES = Array.from({ length: 30 }, (_, i) => `${P}slow${String(i).padStart(2, '0')}`);
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const WRAP_OFF = '\x1b[?7l';
const WRAP_ON = '\x1b[?7h';

let moto: MotoServer;
let proxy: FaultProxy;
let iam: IAMClient;

const cliEnv = (endpoint: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TERM: 'xterm-256color',
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** How many of the sweep's roles carry our policy now, read from the emulator itself. */
async function rolesWithOurPolicy(): Promise<number> {
  const found = await Promise.all(
    ROLES.map((RoleName) =>
      iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: 'CodeInterpreterAccess' })).then(
        () => 1,
        () => 0,
      ),
    ),
  );
  return found.reduce((a, b) => a + b, 0);
}

describe('a sweep interrupted on a terminal', () => {
  beforeAll(async () => {
    moto = await leaseMoto();
    useEndpoint(moto.endpoint);
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 2 });
    // Every request waits 150-300 ms: one role at a time, the sweep takes many seconds.
    proxy = await startFaultProxy({ target: moto.endpoint, seed: 13, rates: { latency: 1 }, latencyMs: [150, 300] });
  });
  afterAll(async () => {
    await proxy?.stop();
    await moto?.release();
  });

  it.each([
    ['ctrl-c', 130, 'SIGINT'],
    ['SIGTERM', 143, 'SIGTERM'],
  ] as const)(
    '%s: cursor and line wrap come back, what was done is printed, exit %i',
    async (interrupt, exitCode, signal) => {
      // Prepare
      await moto.reset();
      await createRoles(iam, ROLES);

      // Act: interrupt once the bar shows at least one role done
      const result = await runOnTerminal({
        argv: [process.execPath, inject('cliBundle'), 'sweep', '--concurrency', '1'],
        env: cliEnv(proxy.endpoint),
        cwd: root,
        when: String.raw`\] [1-9]\d*/30 \|`,
        interrupt,
      });

      // Assess
      expect(result.sent).toBe(true);
      expect(result.exitCode).toBe(exitCode);
      const { output } = result;
      expect(output).toContain(HIDE_CURSOR);
      expect(output).toContain(WRAP_OFF);
      expect(output.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(output.lastIndexOf(HIDE_CURSOR));
      expect(output.lastIndexOf(WRAP_ON)).toBeGreaterThan(output.lastIndexOf(WRAP_OFF));
      const done = Number(new RegExp(`interrupted by ${signal} after (\\d+) of 30 roles`).exec(output)?.[1]);
      expect(done).toBeGreaterThanOrEqual(1);
      expect(done).toBeLessThan(30);
      expect(output).toMatch(new RegExp(`Changed ${done} roles?:`));
      // What it says it wrote is there; at most the one role in flight besides.
      const written = await rolesWithOurPolicy();
      expect(written).toBeGreaterThanOrEqual(done);
      expect(written).toBeLessThanOrEqual(done + 1);
    },
  );
});

describe('output into a pipe whose reader has gone', () => {
  const SEED_WARNING = 'agentcore-guard: warning: the seed profile grants more than the Code Interpreter needs:';
  it.each([
    [['policy'], 0, ''],
    [['policy', '--profile', 'seed', '--json'], 1, SEED_WARNING],
  ])('%j ends quietly with its own exit code, without an EPIPE error', async (args, exitCode, firstLine) => {
    // Prepare
    const child = spawn(process.execPath, [inject('cliBundle'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    // Act: close the read end before the command writes anything, as `| head -1` does after its line
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    // Assess: only what the command itself says on stderr (the seed's warning), no stack trace
    expect(stderr.split('\n')[0]).toBe(firstLine);
    expect(stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(code).toBe(exitCode);
  });
});
