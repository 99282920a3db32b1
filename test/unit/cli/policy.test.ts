import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { captureIO } from '../../support/cli-io.js';
import { ACCOUNT, describedRole, noSuchEntity, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const CUSTOM_RESOURCES = [
  `arn:aws:bedrock-agentcore:*:${ACCOUNT}:code-interpreter/*`,
  `arn:aws:bedrock-agentcore:*:${ACCOUNT}:code-interpreter-custom/*`,
];
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${TOOLKIT_PREFIX}a`;

beforeEach(() => iamMock.reset());

describe('policy --profile seed', () => {
  it('warns on stderr of each broad grant it makes, and keeps its exit code', async () => {
    // Prepare
    const { io, stdout, stderr } = captureIO({ env });
    // Act
    const code = await run(['policy', '--profile', 'seed'], io);
    // Assess: exit 1 comes from the two actions IAM does not have, as before
    expect(code).toBe(1);
    expect(stderr().split('\n')).toEqual([
      'agentcore-guard: warning: the seed profile grants more than the Code Interpreter needs:',
      '  BedrockAgentCoreAccess: bedrock-agentcore:* on * (every bedrock-agentcore action; every resource)',
      '  BedrockInvokeModel: bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream on * (every resource)',
      '  CodeInterpreterAccess: bedrock:InvokeCodeInterpreter, bedrock:ExecuteCode on * (every resource)',
      '  CloudWatchLogs: logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on * (every resource)',
      '',
    ]);
    expect(stdout()).not.toContain('warning');
  });

  it('--json holds them in broadGrants', async () => {
    // Prepare
    const { io, stdout } = captureIO({ env });
    // Act
    await run(['policy', '--profile', 'seed', '--json'], io);
    // Assess
    const { broadGrants } = JSON.parse(stdout());
    expect(broadGrants).toHaveLength(4);
    expect(broadGrants[0]).toEqual({
      sid: 'BedrockAgentCoreAccess',
      actions: ['bedrock-agentcore:*'],
      resources: ['*'],
      reasons: ['every bedrock-agentcore action', 'every resource'],
    });
  });

  it('least-privilege makes none: no warning, an empty list', async () => {
    // Prepare
    const { io, stdout, stderr } = captureIO({ env });
    // Act
    const code = await run(['policy', '--json'], io);
    // Assess
    expect(code).toBe(0);
    expect(stderr()).toBe('');
    expect(JSON.parse(stdout()).broadGrants).toEqual([]);
  });
});

describe('--custom-interpreters', () => {
  it("policy grants the account's own interpreters with it, and not without it", async () => {
    // Prepare
    const custom = captureIO({ env });
    const managed = captureIO({ env });
    // Act
    await run(['policy', '--json', '--role-arn', ROLE_ARN, '--custom-interpreters'], custom.io);
    await run(['policy', '--json', '--role-arn', ROLE_ARN], managed.io);
    // Assess
    const [withCustom] = JSON.parse(custom.stdout()).document.Statement;
    const [without] = JSON.parse(managed.stdout()).document.Statement;
    expect(withCustom.Resource).toEqual(expect.arrayContaining(CUSTOM_RESOURCES));
    expect(withCustom.Action).toContain('bedrock-agentcore:GetCodeInterpreter');
    expect(without.Resource).toEqual(['arn:aws:bedrock-agentcore:*:aws:code-interpreter/*']);
  });

  it('--no-custom-interpreters overrides CUSTOM_INTERPRETERS=true from the environment', async () => {
    // Prepare
    const { io, stdout } = captureIO({ env: { ...env, CUSTOM_INTERPRETERS: 'true' } });
    // Act
    await run(['policy', '--json', '--no-custom-interpreters'], io);
    // Assess
    expect(JSON.parse(stdout())).toMatchObject({ customInterpreters: false });
  });

  it('remediate --dry-run would add the custom interpreters with it', async () => {
    // Prepare
    const role = describedRole(`${TOOLKIT_PREFIX}a`, { Tags: [] });
    iamMock.on(GetRoleCommand).resolves({ Role: role });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    const { io, stdout } = captureIO({ env });
    // Act
    await run(['remediate', '--role', `${TOOLKIT_PREFIX}a`, '--dry-run', '--json', '--custom-interpreters'], io);
    // Assess
    expect(JSON.parse(stdout()).change.resources.added).toEqual(expect.arrayContaining(CUSTOM_RESOURCES));
  });

  it.each([['policy'], ['remediate', '--role', `${TOOLKIT_PREFIX}a`], ['sweep']])(
    '%s names the flag when CUSTOM_INTERPRETERS is not a boolean, exit 2',
    async (...argv) => {
      // Prepare
      const { io, stderr } = captureIO({ env: { ...env, CUSTOM_INTERPRETERS: 'maybe' } });
      // Act
      const code = await run(argv, io);
      // Assess
      expect(code).toBe(2);
      expect(stderr()).toBe(
        'agentcore-guard: CUSTOM_INTERPRETERS="maybe" is not valid: expected true or false. ' +
          'Fix or unset CUSTOM_INTERPRETERS, or pass --custom-interpreters.\n',
      );
      expect(iamMock).not.toHaveReceivedCommand(ListRolesCommand);
    },
  );
});
