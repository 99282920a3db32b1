import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { describeError, renderTable } from '../../../src/cli/output.js';
import { captureIO } from '../../support/cli-io.js';
import { describedRole, noSuchEntity } from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const prefix = 'AmazonBedrockAgentCoreSDKRuntime-';

/** One prefixed role, listed, with no Code Interpreter policy yet. */
function givenOneRoleWithoutOurPolicy() {
  const role = describedRole(`${prefix}a`, { Tags: [] });
  iamMock.on(ListRolesCommand).resolves({ Roles: [role] });
  iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iamMock.on(GetRoleCommand).resolves({ Role: role });
}

describe('agentcore-guard CLI, in-process', () => {
  beforeEach(() => iamMock.reset());

  it('exits 0 for the least-privilege policy, whose actions all exist', async () => {
    // Prepare
    const { io, stdout } = captureIO();

    // Act
    const code = await run(['policy', '--json'], io);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ profile: 'least-privilege', findings: [] });
  });

  it('exits 1 for the seed policy and lists the two actions IAM does not have', async () => {
    // Prepare
    const { io, stdout } = captureIO();

    // Act
    const code = await run(['policy', '--profile', 'seed'], io);

    // Assess
    expect(code).toBe(1);
    expect(stdout()).toContain('bedrock:InvokeCodeInterpreter is not an IAM action');
    expect(stdout()).toContain('bedrock:ExecuteCode is not an IAM action');
  });

  it('exits 2 with a one-line hint for an unknown option', async () => {
    // Prepare
    const { io, stderr } = captureIO();

    // Act
    const code = await run(['sweep', '--concurrent', '3'], io);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toContain("unknown option '--concurrent'");
  });

  it('exits 2 and names the flag when --concurrency is not a whole number', async () => {
    // Prepare
    const { io, stderr } = captureIO();

    // Act
    const code = await run(['sweep', '--concurrency', 'many'], io);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toBe(
      'agentcore-guard: --concurrency "many" is not valid: expected a whole number from 1 to 99.\n',
    );
    expect(iamMock).not.toHaveReceivedCommand(ListRolesCommand);
  });

  it('exits 0 for --help and 2 when no command is given', async () => {
    // Act
    const help = await run(['--help'], captureIO().io);
    const none = await run([], captureIO().io);

    // Assess
    expect(help).toBe(0);
    expect(none).toBe(2);
  });

  it('lists every command in --help', async () => {
    // Prepare
    const { io, stdout } = captureIO();

    // Act
    await run(['--help'], io);

    // Assess
    const listed = [...stdout().matchAll(/^ {2}(\S+) \[options\]/gm)].map((m) => m[1]);
    expect(listed).toEqual(['policy', 'check', 'remediate', 'sweep', 'runtimes', 'doctor', 'verify', 'fleet']);
  });

  it("shows a command's options with --help without running it", async () => {
    // Prepare
    const { io, stdout } = captureIO();

    // Act
    const code = await run(['sweep', '--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(stdout()).toContain('--concurrency <n>');
    expect(stdout()).toContain('--dry-run');
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });

  it('exits 2 with what to do when AWS credentials are missing', async () => {
    // Prepare
    iamMock
      .on(ListRolesCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const { io, stderr } = captureIO();

    // Act
    const code = await run(['sweep'], io);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toMatch(/^agentcore-guard: AWS credentials were not found.*Set AWS_PROFILE/);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });

  it('sweep exits 1 and lists the failure when a role could not be handled', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves({
      Roles: [`${prefix}a`, `${prefix}b`].map((n) => describedRole(n)),
    });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock
      .on(GetRolePolicyCommand, { RoleName: `${prefix}b` })
      .rejects(Object.assign(new Error('boom'), { name: 'ServiceFailure' }));
    iamMock.on(GetRoleCommand).rejects(noSuchEntity());
    const failing = captureIO();

    // Act
    const code = await run(['sweep', '--json'], failing.io);

    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(failing.stdout())).toMatchObject({
      matched: 2,
      failed: 1,
      failures: [{ roleName: `${prefix}b`, error: 'boom' }],
      counts: { 'role-not-found': 1 },
    });
  });

  it('sweep prints one plain progress line per role when stderr is not a terminal', async () => {
    // Prepare
    givenOneRoleWithoutOurPolicy();
    const { io, stdout, stderr } = captureIO(false);

    // Act
    const code = await run(['sweep', '--dry-run'], io);

    // Assess
    expect(code).toBe(1);
    expect(stderr()).toContain(`[1/1] would-remediate ${prefix}a`);
    expect(stdout()).toMatch(/would-remediate\s+1/);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('sweep draws a progress bar instead of lines when stderr is a terminal', async () => {
    // Prepare
    givenOneRoleWithoutOurPolicy();
    const { io, stderr } = captureIO(true);

    // Act
    const code = await run(['sweep', '--dry-run'], io);

    // Assess
    expect(code).toBe(1);
    expect(stderr()).toMatch(/Sweeping roles \[.*\] 1\/1 \| 100% \| 0 failed/);
    expect(stderr()).not.toContain('[1/1] would-remediate');
  });

  it('remediate --dry-run shows, line by line, how a different stored policy would change', async () => {
    // Prepare: the role carries a hand-applied policy of our name that grants logs:* on everything
    givenOneRoleWithoutOurPolicy();
    iamMock.on(GetRolePolicyCommand).resolves({
      PolicyDocument: encodeURIComponent(
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] }),
      ),
    });
    const { io, stdout } = captureIO();

    // Act
    const code = await run(['remediate', '--role', `${prefix}a`, '--dry-run'], io);

    // Assess
    expect(code).toBe(1);
    expect(stdout()).toMatch(/is different and would change as below; dry run, nothing written\.\n/);
    expect(stdout()).toMatch(/^ {2}- action +logs:\*$/m);
    expect(stdout()).toMatch(/^ {2}\+ action +bedrock-agentcore:StartCodeInterpreterSession$/m);
    expect(stdout()).toMatch(/^ {2}- resource +\*$/m);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('remediate refuses a role outside the prefixes with exit 2 and writes nothing', async () => {
    // Prepare
    const { io, stderr } = captureIO();

    // Act
    const code = await run(['remediate', '--role', 'SomeOtherRole'], io);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toContain('pass --prefixes');
    expect(iamMock.calls()).toHaveLength(0);
  });
});

describe('describeError', () => {
  it('treats an unexpected AWS error as a failure (exit 1), not a usage error', () => {
    // Act
    const described = describeError(
      Object.assign(new Error('We encountered an internal error'), { name: 'ServiceFailure' }),
    );

    // Assess
    expect(described).toEqual({ exitCode: 1, message: 'ServiceFailure: We encountered an internal error' });
  });

  it('treats AccessDenied as a credential problem (exit 2)', () => {
    // Act
    const described = describeError(
      Object.assign(new Error('not authorized to perform iam:ListRoles'), { name: 'AccessDenied' }),
    );

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toContain('iam:ListRoles');
  });
});

describe('renderTable', () => {
  it('aligns columns under their headers', () => {
    // Act
    const table = renderTable(
      ['Outcome', 'Roles'],
      [
        ['compliant', '12'],
        ['failed', '0'],
      ],
    );

    // Assess
    expect(table.split('\n')).toEqual(['Outcome    Roles', '---------  -----', 'compliant  12', 'failed     0']);
  });
});
