import { IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { captureIO } from '../../support/cli-io.js';

// Every usage or settings error: exit 2, one line, naming the flag the command has (and no flag it lacks), before
// any AWS call. The environment is made up per test, so the machine's own cannot leak in.

const iamMock = mockClient(IAMClient);
const baseEnv = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

async function runWith(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const { io, stdout, stderr } = captureIO({ env: { ...baseEnv, ...env } });
  const code = await run(argv, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('a bad flag value', () => {
  beforeEach(() => iamMock.reset());

  it.each([
    [['policy', '--profile', 'bogus'], '--profile "bogus" is not valid: expected least-privilege or seed.'],
    [['policy', '--policy-name', 'no spaces'], '--policy-name "no spaces" is not valid'],
    [['remediate', '--role', 'r', '--profile', 'bogus'], '--profile "bogus" is not valid'],
    [['sweep', '--prefixes', 'Agent*'], '--prefixes "Agent*" is not valid'],
    [['sweep', '--concurrency', '1000'], '--concurrency "1000" is not valid: expected a whole number from 1 to 99.'],
    [['sweep', '--concurrency', '0'], '--concurrency "0" is not valid: expected a whole number from 1 to 99.'],
    [['check', '--role', 'r', '--region', 'us east'], '--region "us east" is not valid: expected an AWS region'],
  ])('%j exits 2 with one line naming that flag, and calls nothing', async (argv, expected) => {
    // Act
    const result = await runWith(argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`agentcore-guard: ${expected}`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('policy --profile bogus names neither the environment variable nor flags policy does not have', async () => {
    // Act
    const result = await runWith(['policy', '--profile', 'bogus']);

    // Assess
    expect(result.stderr).not.toMatch(/POLICY_PROFILE|--prefixes|--region|--policy-name/);
  });
});

describe('a bad environment variable', () => {
  beforeEach(() => iamMock.reset());

  it.each([
    [['sweep'], { AWS_REGION: 'us east' }, 'AWS_REGION="us east" is not valid', '--region'],
    [['remediate', '--role', 'r'], { POLICY_PROFILE: 'bogus' }, 'POLICY_PROFILE="bogus" is not valid', undefined],
    [['sweep'], { DRY_RUN: 'maybe' }, 'DRY_RUN="maybe" is not valid: expected true or false', undefined],
  ])('%j with %j exits 2 naming the variable', async (argv, env, expected, absentFlag) => {
    // Act
    const result = await runWith(argv, env);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    if (absentFlag) expect(result.stderr).not.toContain(absentFlag);
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('names the flag the command has for the variable, as another way to fix it', async () => {
    // Act
    const checked = await runWith(['check', '--role', 'r'], { AWS_REGION: 'us east' });
    const swept = await runWith(['sweep'], { SWEEP_CONCURRENCY: '1000' });
    const listed = await runWith(['policy'], { POLICY_PROFILE: 'bogus' });

    // Assess
    expect(checked).toMatchObject({ code: 2 });
    expect(checked.stderr).toContain('or pass --region');
    expect(swept).toMatchObject({ code: 2 });
    expect(swept.stderr).toContain('SWEEP_CONCURRENCY="1000" is not valid: expected a whole number from 1 to 99');
    expect(swept.stderr).toContain('or pass --concurrency');
    expect(listed).toMatchObject({ code: 2 });
    expect(listed.stderr).toContain('or pass --profile');
  });

  it('takes AWS_DEFAULT_REGION to task when it is the region in use', async () => {
    // Act
    const result = await runWith(['sweep'], { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu_west_1' });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('AWS_DEFAULT_REGION="eu_west_1" is not valid');
  });
});

describe('a named AWS profile that does not exist', () => {
  beforeEach(() => iamMock.reset());

  it('exits 2 before any AWS call and says the profile does not exist', async () => {
    // Act
    const result = await runWith(['sweep'], {
      AWS_PROFILE: 'nosuch',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The AWS profile "nosuch" (AWS_PROFILE) does not exist');
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('does not stop a command that never calls AWS', async () => {
    // Act
    const result = await runWith(['policy', '--json'], { AWS_PROFILE: 'nosuch', AWS_CONFIG_FILE: '/nonexistent/c' });

    // Assess
    expect(result.code).toBe(0);
  });
});
