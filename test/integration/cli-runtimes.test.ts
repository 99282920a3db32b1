import { execFile } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BedrockAgentCoreControlClient, CreateAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runOnTerminal } from '../support/cli-io.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { ACCOUNT, createToolkitRole, TOOLKIT_PREFIX, toolkitTrustPolicy } from '../support/iam-fixtures.js';
import { startIamSimulator } from '../support/iam-simulator.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';

/**
 * `runtimes` and `check --runtime` as a person runs them: the shipped bundle in a child process, against moto's
 * bedrock-agentcore-control (runtimes in two regions; moto's runtime ARNs are `agent/<uuid>:<version>`) and IAM, with
 * IAM's policy simulator (which moto lacks) answered by the local fake in front of moto (test/support/iam-simulator.ts).
 * A region that is not enabled is played by a loopback gate that refuses requests signed for it, as AWS does.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const TOOLKIT_ROLE = `${TOOLKIT_PREFIX}us-west-2-rt00000001`;
const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ0123456';
const PLAIN_ROLE = 'support-agent-role';
const REQUIRED = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
];
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

let moto: MotoServer;
let simulator: Awaited<ReturnType<typeof startIamSimulator>>;
let gate: { endpoint: string; stop: () => Promise<void> };
let iam: IAMClient;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: moto.endpoint,
    // IAM through the simulator fake; AgentCore's control plane through the region gate; the rest to moto.
    AWS_ENDPOINT_URL_IAM: simulator.endpoint,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL: gate.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

async function cli(args: string[], env: NodeJS.ProcessEnv = cliEnv()): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [inject('cliBundle'), ...args], {
      cwd: root,
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * A loopback gate in front of moto's AgentCore control plane: a request signed for a closed region is refused the
 * way AWS refuses a region not enabled for the account (UnrecognizedClientException); every other is forwarded.
 */
async function startRegionGate(target: string, closed: readonly string[]) {
  const server = createServer((req, res) => {
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (closed.includes(region)) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnrecognizedClientException' });
      res.end(JSON.stringify({ message: 'The security token included in the request is invalid.' }));
      return;
    }
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function createRuntime(name: string, roleArn: string, region: string) {
  const created = await new BedrockAgentCoreControlClient({ region }).send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      roleArn,
      agentRuntimeArtifact: {
        containerConfiguration: { containerUri: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}:latest` },
      },
      networkConfiguration: { networkMode: 'PUBLIC' },
    }),
  );
  return created.agentRuntimeArn ?? '';
}

/** A role as CDK makes one for a runtime: generated name, AgentCore trust, its stack's tag, no Code Interpreter. */
async function createCdkRole() {
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: CDK_ROLE,
      AssumeRolePolicyDocument: toolkitTrustPolicy(),
      Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }],
    }),
  );
  return Role?.Arn ?? '';
}

/** A role made by hand, no prefix, no stack, that can use the Code Interpreter when `withAccess`. */
async function createPlainRole(withAccess: boolean) {
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: PLAIN_ROLE, AssumeRolePolicyDocument: toolkitTrustPolicy() }),
  );
  if (withAccess) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: PLAIN_ROLE,
        PolicyName: 'CodeInterpreter',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: REQUIRED, Resource: 'arn:aws:bedrock-agentcore:*:aws:code-interpreter/*' },
          ],
        }),
      }),
    );
  }
  return Role?.Arn ?? '';
}

const inlinePolicies = async (roleName: string) =>
  (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];

/** Three runtimes in two regions: the toolkit's (prefixed role, no access yet), a CDK stack's (no access), one allowed. */
async function givenThreeRuntimes() {
  const toolkit = await createRuntime('toolkit_agent', await createToolkitRole(iam, TOOLKIT_ROLE), 'us-west-2');
  const cdk = await createRuntime('cdk_agent', await createCdkRole(), 'eu-west-1');
  const plain = await createRuntime('support_agent', await createPlainRole(true), 'eu-west-1');
  return { toolkit, cdk, plain };
}

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  simulator = await startIamSimulator(moto.endpoint);
  gate = await startRegionGate(moto.endpoint, ['ap-east-1']);
  iam = new IAMClient({ region: 'us-east-1' });
});

afterAll(async () => {
  await gate?.stop();
  await simulator?.stop();
  await moto?.release();
});

beforeEach(async () => {
  await moto.reset();
});

describe('agentcore-guard runtimes', () => {
  it('lists every runtime of both regions with its role, ours or not, and its verdict; exit 1; writes nothing', async () => {
    // Prepare
    const arns = await givenThreeRuntimes();

    // Act
    const result = await cli(['runtimes', '--region', 'us-west-2,eu-west-1', '--json']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.counts).toEqual({ allowed: 1, denied: 2, undetermined: 0 });
    const byName = Object.fromEntries(
      report.runtimes.map((r: { agentRuntimeName: string }) => [r.agentRuntimeName, r]),
    );
    expect(byName.toolkit_agent).toMatchObject({
      agentRuntimeArn: arns.toolkit,
      region: 'us-west-2',
      roleName: TOOLKIT_ROLE,
      ownership: { ours: true },
      access: { verdict: 'denied', missing: REQUIRED },
      method: 'simulate',
    });
    expect(byName.cdk_agent).toMatchObject({
      region: 'eu-west-1',
      roleName: CDK_ROLE,
      ownership: { ours: false, because: 'no-prefix' },
      access: { verdict: 'denied', missing: REQUIRED },
      stackName: 'MyStack',
    });
    expect(byName.support_agent).toMatchObject({
      roleName: PLAIN_ROLE,
      ownership: { ours: false, because: 'no-prefix' },
      access: { verdict: 'allowed' },
    });
    expect(await inlinePolicies(TOOLKIT_ROLE)).not.toContain('CodeInterpreterAccess');
    expect(await inlinePolicies(CDK_ROLE)).toEqual([]);
  });

  it('shows a person a table, what to look at and the next step, with one progress line per region and runtime', async () => {
    // Prepare
    await givenThreeRuntimes();

    // Act: the regions from AGENT_REGIONS, as the stack's agentRegions
    const result = await cli(['runtimes'], cliEnv({ AGENT_REGIONS: 'us-west-2,eu-west-1' }));

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^toolkit_agent +us-west-2 +READY +${TOOLKIT_ROLE} +yes +denied$`, 'm'));
    expect(result.stdout).toMatch(
      new RegExp(`^cdk_agent +eu-west-1 +READY +${CDK_ROLE} +no \\(no prefix\\) +denied$`, 'm'),
    );
    expect(result.stdout).toMatch(
      new RegExp(`^support_agent +eu-west-1 +READY +${PLAIN_ROLE} +no \\(no prefix\\) +allowed$`, 'm'),
    );
    expect(result.stdout).toContain(`Fix: agentcore-guard remediate --role ${TOOLKIT_ROLE}`);
    expect(result.stdout).toContain(
      '3 runtimes in 2 regions: 1 can use the Code Interpreter, 2 cannot, 0 undetermined.',
    );
    const progress = result.stderr.trim().split('\n');
    expect(progress.filter((l) => l.startsWith('listed '))).toHaveLength(2);
    expect(progress.filter((l) => /^\[\d\/\d\] /.test(l))).toHaveLength(3);
  });

  it('exits 0 once every runtime can use the Code Interpreter', async () => {
    // Prepare: our role fixed by the guard, the stack's role given the grant (as its stack would)
    await givenThreeRuntimes();
    await cli(['remediate', '--role', TOOLKIT_ROLE]);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: CDK_ROLE,
        PolicyName: 'CodeInterpreter',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: REQUIRED, Resource: 'arn:aws:bedrock-agentcore:*:aws:code-interpreter/*' },
          ],
        }),
      }),
    );

    // Act
    const result = await cli(['runtimes', '--region', 'us-west-2', '--region', 'eu-west-1']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '3 runtimes in 2 regions: 3 can use the Code Interpreter, 0 cannot, 0 undetermined.',
    );
  });

  it('reports a region that is not enabled in its own row and still lists the others', async () => {
    // Prepare
    await createRuntime('support_agent', await createPlainRole(true), 'eu-west-1');

    // Act
    const result = await cli(['runtimes', '--region', 'eu-west-1,ap-east-1']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^support_agent +eu-west-1 .* allowed$/m);
    expect(result.stdout).toMatch(/^\(could not list\) +ap-east-1 +unknown$/m);
    expect(result.stdout).toContain('ap-east-1: its runtimes could not be listed: ap-east-1 refused the credentials');
    expect(result.stdout).toContain('the region may not be enabled for this account');
  });

  it('stops on Ctrl-C on a terminal: cursor back, what was found printed, exit 130', async () => {
    // Prepare: every IAM answer takes 300-500 ms, so the survey of eight runtimes outlasts the first one
    for (let i = 0; i < 8; i++)
      await createRuntime(`agent_${i}`, await createToolkitRole(iam, `${TOOLKIT_PREFIX}t${i}`), 'us-west-2');
    const slow: FaultProxy = await startFaultProxy({
      target: simulator.endpoint,
      seed: 7,
      rates: { latency: 1 },
      latencyMs: [300, 500],
    });
    try {
      // Act
      const result = await runOnTerminal({
        argv: [process.execPath, inject('cliBundle'), 'runtimes', '--region', 'us-west-2'],
        env: { ...cliEnv({ AWS_ENDPOINT_URL_IAM: slow.endpoint }), TERM: 'xterm-256color' },
        cwd: root,
        when: String.raw`\] [1-7]/8 runtimes`,
        interrupt: 'ctrl-c',
      });

      // Assess
      expect(result.sent).toBe(true);
      expect(result.exitCode).toBe(130);
      expect(result.output).toContain(HIDE_CURSOR);
      expect(result.output.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(result.output.lastIndexOf(HIDE_CURSOR));
      const done = Number(/interrupted by SIGINT after (\d+) runtimes?\./.exec(result.output)?.[1]);
      expect(done).toBeGreaterThanOrEqual(1);
      expect(done).toBeLessThan(8);
      expect(result.output).toContain('Nothing was written: this command only reads.');
    } finally {
      await slow.stop();
    }
  });
});

describe('agentcore-guard check --runtime', () => {
  it('for a stack-made role without access: not ours, fix it in the stack with CDK; nothing written', async () => {
    // Prepare
    const arn = await createRuntime('cdk_agent', await createCdkRole(), 'eu-west-1');

    // Act
    const result = await cli(['check', '--runtime', arn]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Role: arn:aws:iam::${ACCOUNT}:role/${CDK_ROLE}`);
    expect(result.stdout).toContain(`Ours: no: its name has none of the prefixes ${TOOLKIT_PREFIX}`);
    expect(result.stdout).toContain('Fix it in CloudFormation stack MyStack');
    expect(result.stdout).toContain('runtime.role.addToPrincipalPolicy(');
    expect(result.stdout).not.toContain('put-role-policy');
    expect(await inlinePolicies(CDK_ROLE)).toEqual([]);
  });

  it("for a role no stack owns, prints the command that really fixes it; the runtime's check then passes", async () => {
    // Prepare
    const arn = await createRuntime('support_agent', await createPlainRole(false), 'eu-west-1');

    // Act
    const before = await cli(['check', '--runtime', arn]);
    const command = /aws iam put-role-policy --role-name (\S+) --policy-name (\S+) --policy-document '(.*)'$/m.exec(
      before.stdout,
    );
    await iam.send(
      new PutRolePolicyCommand({ RoleName: command?.[1], PolicyName: command?.[2], PolicyDocument: command?.[3] }),
    );
    const after = await cli(['check', '--runtime', arn, '--json']);

    // Assess
    expect(before.code).toBe(1);
    expect(command?.[1]).toBe(PLAIN_ROLE);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ allowed: true, roleName: PLAIN_ROLE, method: 'simulate' });
  });

  it('for a role of ours, says so and advises remediate, after which the check passes', async () => {
    // Prepare
    const arn = await createRuntime('toolkit_agent', await createToolkitRole(iam, TOOLKIT_ROLE), 'us-west-2');

    // Act
    const before = await cli(['check', '--runtime', arn]);
    await cli(['remediate', '--role', TOOLKIT_ROLE]);
    const after = await cli(['check', '--runtime', arn]);

    // Assess
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('Ours: yes');
    expect(before.stdout).toContain(`agentcore-guard remediate --role ${TOOLKIT_ROLE}`);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('toolkit_agent can use the Code Interpreter.');
    const { PolicyDocument } = await iam.send(
      new GetRolePolicyCommand({ RoleName: TOOLKIT_ROLE, PolicyName: 'CodeInterpreterAccess' }),
    );
    expect(PolicyDocument).toBeDefined();
  });

  it('for a runtime that does not exist, exits 2 and says how to list them', async () => {
    // Act
    const result = await cli([
      'check',
      '--runtime',
      `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT}:runtime/nope-AbCdE12345`,
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('list the runtimes there with `agentcore-guard runtimes --region eu-west-1`');
  });
});
