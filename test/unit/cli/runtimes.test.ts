import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { GetRoleCommand, IAMClient, PutRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { MANAGED_INTERPRETER_ACTIONS } from '../../../src/policy/profiles.js';
import { captureIO, signalSource } from '../../support/cli-io.js';
import { ACCOUNT, describedRole, roleArn, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';

const control = mockClient(BedrockAgentCoreControlClient);
const iamMock = mockClient(IAMClient);
const sts = mockClient(STSClient);
const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const TOOLKIT_ROLE = `${TOOLKIT_PREFIX}us-east-1-abc`;
const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ';
const runtimeArn = (region: string, id: string) => `arn:aws:bedrock-agentcore:${region}:${ACCOUNT}:runtime/${id}`;

/** Each region's runtimes (name → role name), or the error listing it gives; the roles IAM allows the interpreter. */
let regions: Record<string, Record<string, string> | Error>;
let allowedRoles: string[];

beforeEach(() => {
  control.reset();
  iamMock.reset();
  sts.reset();
  regions = {};
  allowedRoles = [];
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  control.on(ListAgentRuntimesCommand).callsFake(async (_input, getClient) => {
    const region = await getClient().config.region();
    const runtimes = regions[region] ?? {};
    if (runtimes instanceof Error) throw runtimes;
    return {
      agentRuntimes: Object.keys(runtimes).map((name) => ({
        agentRuntimeArn: runtimeArn(region, `${name}-AbCdE12345`),
        agentRuntimeId: `${name}-AbCdE12345`,
        agentRuntimeName: name,
        status: 'READY',
      })),
    };
  });
  control.on(GetAgentRuntimeCommand).callsFake(async ({ agentRuntimeId }: { agentRuntimeId: string }, getClient) => {
    const region = await getClient().config.region();
    const name = agentRuntimeId.replace(/-AbCdE12345$/, '');
    const role = (regions[region] as Record<string, string>)[name] ?? '';
    return {
      agentRuntimeArn: runtimeArn(region, agentRuntimeId),
      agentRuntimeId,
      agentRuntimeName: name,
      roleArn: roleArn(role),
      status: 'READY',
    };
  });
  iamMock.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => ({
    Role: describedRole(RoleName, {
      Tags: RoleName === CDK_ROLE ? [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }] : [],
    }),
  }));
  iamMock.on(SimulatePrincipalPolicyCommand).callsFake(({ PolicySourceArn }: { PolicySourceArn: string }) => ({
    EvaluationResults: MANAGED_INTERPRETER_ACTIONS.map((action) => ({
      EvalActionName: action,
      EvalDecision: allowedRoles.some((r) => PolicySourceArn.endsWith(`/${r}`)) ? 'allowed' : 'implicitDeny',
    })),
  }));
});

describe('runtimes', () => {
  it('exits 0 with a row per runtime when every runtime can use the Code Interpreter', async () => {
    // Prepare
    regions = { 'us-east-1': { toolkit_agent: TOOLKIT_ROLE } };
    allowedRoles = [TOOLKIT_ROLE];
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['runtimes'], io);
    // Assess
    expect(code).toBe(0);
    expect(stdout()).toMatch(new RegExp(`^toolkit_agent +us-east-1 +READY +${TOOLKIT_ROLE} +yes +allowed$`, 'm'));
    expect(stdout()).toContain('1 runtime in 1 region: 1 can use the Code Interpreter, 0 cannot, 0 undetermined.');
  });

  it('exits 1 and says what to do for a role of ours and for a stack-made role that lack access', async () => {
    // Prepare
    regions = { 'us-east-1': { toolkit_agent: TOOLKIT_ROLE }, 'eu-west-1': { cdk_agent: CDK_ROLE } };
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['runtimes', '--region', 'us-east-1,eu-west-1'], io);
    // Assess
    expect(code).toBe(1);
    const text = stdout();
    expect(text).toMatch(new RegExp(`^cdk_agent +eu-west-1 +READY +${CDK_ROLE} +no \\(no prefix\\) +denied$`, 'm'));
    expect(text).toContain(`Fix: agentcore-guard remediate --role ${TOOLKIT_ROLE}`);
    expect(text).toMatch(/cdk_agent \(eu-west-1\): cannot use .* its role is not ours: .*made by stack MyStack\./);
    expect(text).toContain(`Fix: agentcore-guard check --runtime ${runtimeArn('eu-west-1', 'cdk_agent-AbCdE12345')}`);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('prints one JSON document: regions, one entry per runtime with its verdict, counts; a failed region in it', async () => {
    // Prepare
    regions = {
      'us-east-1': { toolkit_agent: TOOLKIT_ROLE },
      'eu-west-1': { cdk_agent: CDK_ROLE },
      'ap-east-1': Object.assign(new Error('The security token included in the request is invalid'), {
        name: 'UnrecognizedClientException',
      }),
    };
    allowedRoles = [TOOLKIT_ROLE];
    const { io, stdout, stderr } = captureIO({ env });
    // Act
    const code = await run(['runtimes', '--region', 'us-east-1', '--region', 'eu-west-1,ap-east-1', '--json'], io);
    // Assess
    expect(code).toBe(1);
    expect(stderr()).toBe('');
    const report = JSON.parse(stdout());
    expect(report).toMatchObject({
      regions: [
        { region: 'us-east-1', runtimes: 1 },
        { region: 'eu-west-1', runtimes: 1 },
        {
          region: 'ap-east-1',
          error: 'The security token included in the request is invalid',
          errorName: 'UnrecognizedClientException',
        },
      ],
      counts: { allowed: 1, denied: 1, undetermined: 0 },
      failedRegions: 1,
      durationMs: expect.any(Number),
    });
    expect(report.runtimes).toEqual([
      expect.objectContaining({
        agentRuntimeName: 'toolkit_agent',
        region: 'us-east-1',
        roleName: TOOLKIT_ROLE,
        ownership: { ours: true },
        access: { verdict: 'allowed' },
        method: 'simulate',
      }),
      expect.objectContaining({
        agentRuntimeName: 'cdk_agent',
        roleArn: roleArn(CDK_ROLE),
        ownership: expect.objectContaining({ ours: false, because: 'no-prefix' }),
        access: { verdict: 'denied', missing: expect.any(Array), explicitDeny: false },
        stackName: 'MyStack',
      }),
    ]);
  });

  it('reports a region it cannot list in its own row, and still exits 1 rather than failing', async () => {
    // Prepare
    regions = {
      'us-east-1': { toolkit_agent: TOOLKIT_ROLE },
      'ap-east-1': Object.assign(new Error('not authorized to perform: bedrock-agentcore:ListAgentRuntimes'), {
        name: 'AccessDeniedException',
      }),
    };
    allowedRoles = [TOOLKIT_ROLE];
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['runtimes', '--region', 'us-east-1,ap-east-1'], io);
    // Assess
    expect(code).toBe(1);
    expect(stdout()).toMatch(/^\(could not list\) +ap-east-1 +unknown$/m);
    expect(stdout()).toMatch(/ap-east-1: its runtimes could not be listed: Your AWS identity may not do this/);
    expect(stdout()).toContain('1 region could not be listed.');
  });

  it('lists the regions of AGENT_REGIONS when no --region is given, else the CLI region', async () => {
    // Prepare
    regions = { 'eu-west-1': {}, 'eu-central-1': {}, 'us-west-2': {} };
    const listed = async () =>
      Promise.all(control.commandCalls(ListAgentRuntimesCommand).map((c) => c.thisValue.config.region()));
    // Act
    await run(['runtimes', '--json'], captureIO({ env: { ...env, AGENT_REGIONS: 'eu-west-1,eu-central-1' } }).io);
    const fromSetting = await listed();
    control.resetHistory();
    await run(['runtimes', '--json'], captureIO({ env: { ...env, AWS_REGION: 'us-west-2' } }).io);
    const fromRegion = await listed();
    // Assess
    expect(fromSetting.sort()).toEqual(['eu-central-1', 'eu-west-1']);
    expect(fromRegion).toEqual(['us-west-2']);
  });

  const REGIONS_RULE = 'expected comma-separated AWS regions, or empty for the stack region';
  it.each([
    [['runtimes', '--region', 'us east'], env, `--region "us east" is not valid: ${REGIONS_RULE}.`],
    [
      ['runtimes', '--region', ','],
      env,
      '--region "" is not valid: expected comma-separated AWS regions such as us-east-1,eu-west-1.',
    ],
    [
      ['runtimes'],
      { ...env, AGENT_REGIONS: 'nowhere' },
      `AGENT_REGIONS="nowhere" is not valid: ${REGIONS_RULE}. Fix or unset AGENT_REGIONS, or pass --region.`,
    ],
  ])('%j exits 2 with one line naming what to fix', async (argv, environment, expected) => {
    // Prepare
    const { io, stdout, stderr } = captureIO({ env: environment });
    // Act
    const code = await run(argv, io);
    // Assess
    expect(code).toBe(2);
    expect(stderr()).toBe(`agentcore-guard: ${expected}\n`);
    expect(stdout()).toBe('');
    expect(control).not.toHaveReceivedCommand(ListAgentRuntimesCommand);
  });

  it('prints one plain line per region and per runtime on stderr when it is not a terminal', async () => {
    // Prepare
    regions = { 'us-east-1': { toolkit_agent: TOOLKIT_ROLE, other_agent: TOOLKIT_ROLE } };
    const { io, stderr } = captureIO({ env });
    // Act
    await run(['runtimes'], io);
    // Assess
    const lines = stderr().trim().split('\n');
    expect(lines[0]).toBe('listed us-east-1: 2 runtimes');
    expect(lines.slice(1).map((l) => l.replace(/\w+_agent/, 'X'))).toEqual([
      '[1/2] denied X (us-east-1)',
      '[2/2] denied X (us-east-1)',
    ]);
    expect(
      lines
        .slice(1)
        .map((l) => /(\w+_agent)/.exec(l)?.[1])
        .sort(),
    ).toEqual(['other_agent', 'toolkit_agent']);
  });

  it('draws a bar across regions and runtimes on a terminal, and leaves the cursor shown', async () => {
    // Prepare
    regions = { 'us-east-1': { toolkit_agent: TOOLKIT_ROLE } };
    const { io, stderr } = captureIO({ env, isTTY: true });
    // Act
    await run(['runtimes'], io);
    // Assess
    const terminal = stderr();
    expect(terminal).toContain('Checking runtimes [');
    expect(terminal).toContain('1/1 runtimes | 1/1 regions | 1 without access');
    expect(terminal.lastIndexOf('\x1b[?25h')).toBeGreaterThan(terminal.lastIndexOf('\x1b[?25l'));
  });

  it('stops on SIGINT: cursor and wrap restored, what was found printed, exit 130', async () => {
    // Prepare: the second runtime's role never answers, so the survey is running when the signal comes
    regions = { 'us-east-1': { done_agent: TOOLKIT_ROLE, stuck_agent: CDK_ROLE } };
    iamMock.on(GetRoleCommand, { RoleName: CDK_ROLE }).callsFake(() => new Promise(() => undefined));
    const signals = signalSource();
    const { io, stdout, stderr } = captureIO({ env, isTTY: true, signals });
    // Act
    const running = run(['runtimes'], io);
    await expect.poll(() => iamMock.commandCalls(GetRoleCommand, { RoleName: CDK_ROLE }).length).toBe(1);
    await expect.poll(() => iamMock.commandCalls(SimulatePrincipalPolicyCommand).length).toBe(1);
    signals.emit('SIGINT');
    const code = await running;
    // Assess
    expect(code).toBe(130);
    const terminal = stderr();
    expect(terminal.lastIndexOf('\x1b[?25h')).toBeGreaterThan(terminal.lastIndexOf('\x1b[?25l'));
    expect(terminal.lastIndexOf('\x1b[?7h')).toBeGreaterThan(terminal.lastIndexOf('\x1b[?7l'));
    expect(terminal).toContain('interrupted by SIGINT after 1 runtime. Nothing was written: this command only reads.');
    expect(stdout()).toMatch(/^done_agent +us-east-1/m);
    expect(stdout()).not.toContain('stuck_agent');
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('exits 143 on SIGTERM and still prints valid JSON with what was found', async () => {
    // Prepare
    regions = { 'us-east-1': { stuck_agent: CDK_ROLE } };
    iamMock.on(GetRoleCommand).callsFake(() => new Promise(() => undefined));
    const signals = signalSource();
    const { io, stdout } = captureIO({ env, signals });
    // Act
    const running = run(['runtimes', '--json'], io);
    await expect.poll(() => iamMock.commandCalls(GetRoleCommand).length).toBe(1);
    signals.emit('SIGTERM');
    const code = await running;
    // Assess
    expect(code).toBe(143);
    expect(JSON.parse(stdout())).toMatchObject({
      interrupted: 'SIGTERM',
      regions: [{ region: 'us-east-1', runtimes: 1 }],
      runtimes: [],
    });
  });
});
