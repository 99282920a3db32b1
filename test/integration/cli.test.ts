import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createIamClient } from '../../src/aws/clients.js';
import { createDeployment, HEALTHY } from '../support/deployment.js';
import { createRoles, toolkitTrustPolicy } from '../support/iam-fixtures.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const P = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-';
const run = promisify(execFile);

let moto: MotoServer;
let iam: IAMClient;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a person would: a real child process, on the bundle that ships (or through the package's bin). */
async function cli(args: string[], env: NodeJS.ProcessEnv = awsEnv(), entry = inject('cliBundle')): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [entry, ...args], { cwd: root, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function awsEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    // Moto answers SimulatePrincipalPolicy with HTTP 500; few attempts keep `check`'s fallback quick.
    IAM_MAX_ATTEMPTS: '2',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

const seedPolicy = readFileSync(new URL('../fixtures/seed-policy.json', import.meta.url), 'utf8');

const oversizePolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: Array.from({ length: 420 }, (_, i) => `s3:GetObjectVersion${i}`), Resource: '*' },
  ],
});

describe('agentcore-guard as a child process against moto', () => {
  beforeAll(async () => {
    moto = await leaseMoto();
    useEndpoint(moto.endpoint);
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 2 });
  });
  afterAll(async () => {
    await moto?.release();
  });
  beforeEach(async () => {
    await moto.reset();
  });

  it('policy --json prints the document, no findings and its size, exit 0', async () => {
    // Act
    const result = await cli(['policy', '--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ profile: 'least-privilege', findings: [], sizeLimit: 10_240 });
  });

  it('policy --profile seed reports the two actions that do not exist, exit 1', async () => {
    // Act
    const result = await cli(['policy', '--profile', 'seed']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Lint: 2 finding(s)');
  });

  it('check without a role or a runtime is a usage error, exit 2, naming both flags', async () => {
    // Act
    const result = await cli(['check']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'agentcore-guard: check needs --role <name> or --runtime <arn>: the role to check, or the runtime whose role to check.\n',
    );
  });

  it('missing AWS credentials give exit 2 and one line that says what to do', async () => {
    // Prepare
    const env = {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };

    // Act
    const result = await cli(['sweep'], env);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/AWS credentials were not found.*Set AWS_PROFILE/);
  });

  it('remediate: a dry run exits 1 and writes nothing, the real run exits 0, a repeat finds it compliant', async () => {
    // Prepare
    await createRoles(iam, [`${P}cli`]);

    // Act
    const dry = await cli(['remediate', '--role', `${P}cli`, '--dry-run']);
    const fixed = await cli(['remediate', '--role', `${P}cli`, '--json']);
    const again = await cli(['remediate', '--role', `${P}cli`]);

    // Assess
    expect(dry).toMatchObject({ code: 1 });
    expect(dry.stdout).toContain('would remediate');
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ status: 'remediated', previous: 'absent' });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('compliant');
  });

  it('check falls back to local evaluation on moto: exit 1 before the fix, exit 0 and the statement after', async () => {
    // Prepare
    await createRoles(iam, [`${P}check`]);

    // Act
    const before = await cli(['check', '--role', `${P}check`, '--json']);
    await cli(['remediate', '--role', `${P}check`]);
    const after = await cli(['check', '--role', `${P}check`]);

    // Assess
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toMatchObject({ allowed: false, method: 'local' });
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(
      /StartCodeInterpreterSession\s+allowed\s+CodeInterpreterAccess:AgentCoreGuardCodeInterpreter/,
    );
    expect(after.stdout).toContain("IAM's policy simulator unavailable: the IAM endpoint answered");
    expect(after.stdout).not.toMatch(/@aws-sdk|XML parse|<html>/);
  });

  it('check --role for a role that does not exist is a usage error, exit 2', async () => {
    // Act
    const result = await cli(['check', '--role', `${P}nope`, '--offline']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not exist');
  });

  it('sweep prints a line per role and the outcome table; a failing role makes it exit 1', async () => {
    // Prepare
    await createRoles(iam, [`${P}s1`, `${P}s2`, `${P}oversize`, 'unrelated']);
    await iam.send(
      new PutRolePolicyCommand({ RoleName: `${P}oversize`, PolicyName: 'Toolkit', PolicyDocument: oversizePolicy }),
    );

    // Act
    const result = await cli(['sweep', '--concurrency', '2']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('listed 4 roles, 3 with a configured prefix');
    expect(result.stderr).toMatch(/\[\d\/3\] remediated AmazonBedrockAgentCoreSDKRuntime-us-east-1-s1/);
    expect(result.stdout).toMatch(/remediated\s+2/);
    expect(result.stdout).toMatch(/failed\s+1/);
    expect(result.stdout).toMatch(
      new RegExp(`Failed \\(1 role\\):\\n.*\\n.*\\n +${P}oversize +Role ${P}oversize: our policy`),
    );
  });

  it('sweep --json exits 0 when every role is fine and prints only JSON', async () => {
    // Prepare
    await createRoles(iam, [`${P}j1`, `${P}j2`]);

    // Act
    const result = await cli(['sweep', '--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ matched: 2, failed: 0, counts: { remediated: 2 } });
  });

  it('sweep --dry-run --json holds one entry per role, with the change for the seed policy, and writes nothing', async () => {
    // Prepare
    await createRoles(iam, [`${P}new`, `${P}seeded`, `${P}left`]);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: `${P}seeded`,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: seedPolicy,
      }),
    );
    await iam.send(
      new TagRoleCommand({ RoleName: `${P}left`, Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] }),
    );

    // Act
    const result = await cli(['sweep', '--dry-run', '--json']);

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const byRole = Object.fromEntries(report.results.map((r: { roleName: string }) => [r.roleName, r]));
    expect(report.results).toHaveLength(3);
    expect(byRole[`${P}new`]).toMatchObject({ status: 'would-remediate', previous: 'absent' });
    expect(byRole[`${P}seeded`]).toMatchObject({
      status: 'would-remediate',
      previous: 'different',
      change: { resources: { removed: ['*'] } },
    });
    expect(byRole[`${P}seeded`].change.actions.removed).toContain('bedrock-agentcore:*');
    expect(byRole[`${P}seeded`].change.actions.added).toContain('bedrock-agentcore:InvokeCodeInterpreter');
    expect(byRole[`${P}left`]).toEqual({ status: 'excluded', roleName: `${P}left` });
    const stored = await iam.send(
      new GetRolePolicyCommand({ RoleName: `${P}seeded`, PolicyName: 'CodeInterpreterAccess' }),
    );
    expect(JSON.parse(decodeURIComponent(stored.PolicyDocument ?? ''))).toEqual(JSON.parse(seedPolicy));
  });

  it('sweep --dry-run for a person shows the seed policy replaced, line by line, and the excluded role with its reason', async () => {
    // Prepare
    await createRoles(iam, [`${P}seeded`, `${P}left`]);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: `${P}seeded`,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: seedPolicy,
      }),
    );
    await iam.send(
      new TagRoleCommand({ RoleName: `${P}left`, Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] }),
    );

    // Act
    const result = await cli(['sweep', '--dry-run']);

    // Assess
    expect(result.stdout).toContain(`CodeInterpreterAccess different on 1 role, would be replaced:\n    ${P}seeded\n`);
    expect(result.stdout).toMatch(/^ +- action +bedrock:InvokeModel$/m);
    expect(result.stdout).toMatch(/^ +- resource +\*$/m);
    expect(result.stdout).toMatch(new RegExp(`${P}left +excluded +tagged agentcore-guard:exclude=true`));
  });

  it('check on a role outside the prefixes does not advise remediate; its by-hand command really fixes the role', async () => {
    // Prepare
    await createRoles(iam, ['SomeOtherRole']);

    // Act
    const before = await cli(['check', '--role', 'SomeOtherRole', '--offline']);
    const command =
      /aws iam put-role-policy --role-name SomeOtherRole --policy-name (\S+) --policy-document '(.*)'$/m.exec(
        before.stdout,
      );
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'SomeOtherRole', PolicyName: command?.[1], PolicyDocument: command?.[2] }),
    );
    const after = await cli(['check', '--role', 'SomeOtherRole', '--offline']);

    // Assess
    expect(before.code).toBe(1);
    expect(before.stdout).not.toMatch(/remediate --role SomeOtherRole(?! --prefixes)/);
    expect(before.stdout).toContain('--prefixes');
    expect(before.stdout).toContain('Its trust policy already lets only bedrock-agentcore.amazonaws.com assume it.');
    expect(command).not.toBeNull();
    expect(after.code).toBe(0);
  });

  it('check on a role at a path gives only the by-hand command: no prefix brings it in scope', async () => {
    // Prepare
    await iam.send(
      new CreateRoleCommand({ RoleName: `${P}pathed`, Path: '/team/', AssumeRolePolicyDocument: toolkitTrustPolicy() }),
    );

    // Act
    const result = await cli(['check', '--role', `${P}pathed`, '--offline']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('it sits at path /team/');
    expect(result.stdout).not.toContain('remediate --role');
    expect(result.stdout).toContain(`aws iam put-role-policy --role-name ${P}pathed`);
  });

  it.each([
    [['sweep'], { AWS_REGION: 'us east' }, 'AWS_REGION="us east" is not valid'],
    [['check', '--role', `${P}x`, '--region', 'us east'], {}, '--region "us east" is not valid'],
    [['policy', '--profile', 'bogus'], {}, '--profile "bogus" is not valid'],
    [['sweep', '--concurrency', '1000'], {}, '--concurrency "1000" is not valid'],
  ])('%j with %j exits 2 with one line', async (args, env, expected) => {
    // Act
    const result = await cli(args, { ...awsEnv(), ...env });

    // Assess
    expect(result.code).toBe(2);
    const errorLines = result.stderr.trim().split('\n');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]?.startsWith(`agentcore-guard: ${expected}`)).toBe(true);
    expect(result.stdout).toBe('');
  });

  it('doctor exits 1 with a fix per gap in an empty account, and 0 once the deployment is healthy', async () => {
    // Act
    const bad = await cli(['doctor']);
    await createDeployment(HEALTHY);
    const good = await cli(['doctor', '--json']);

    // Assess
    expect(bad.code).toBe(1);
    expect(bad.stdout.match(/^FAIL/gm)).toHaveLength(3);
    expect(bad.stdout.match(/^ {6}fix: /gm)).toHaveLength(3);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, stage: 'dev' });
  });

  it('runs from a clone through the bin, on the TypeScript sources', async () => {
    // Prepare
    await createRoles(iam, [`${P}bin`]);

    // Act
    const fixed = await cli(['remediate', '--role', `${P}bin`, '--json'], awsEnv(), 'bin/agentcore-guard.js');

    // Assess
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ status: 'remediated', roleName: `${P}bin` });
  });

  it('ships no code of the optional AGPL simulator in its bundle, and still evaluates locally where it is installed', async () => {
    // Prepare
    await createRoles(iam, [`${P}bundle`]);
    await cli(['remediate', '--role', `${P}bundle`]);

    // Act
    const checked = await cli(['check', '--role', `${P}bundle`, '--offline', '--json']);
    // The entry and every chunk it may load.
    const out = dirname(inject('cliBundle'));
    const bundle = readdirSync(out, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.mjs'))
      .map((file) => readFileSync(join(out, file), 'utf8'))
      .join('\n');

    // Assess
    expect(JSON.parse(checked.stdout)).toMatchObject({ allowed: true, method: 'local' });
    expect(bundle).toMatch(/import\(["']@cloud-copilot\/iam-simulate["']\)/);
    expect(bundle).not.toMatch(/node_modules\/@cloud-copilot\/iam-(simulate|policy|utils)/);
  });
});
