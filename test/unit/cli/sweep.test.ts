import { readFileSync } from 'node:fs';
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
import { renderSweep } from '../../../src/cli/outcomes.js';
import type { SweepResult } from '../../../src/remediation/sweep.js';
import { captureIO, signalSource } from '../../support/cli-io.js';
import { roleArn as arn, describedRole, noSuchEntity } from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const prefix = 'AmazonBedrockAgentCoreSDKRuntime-';
const seedPolicyText = readFileSync(new URL('../../fixtures/seed-policy.json', import.meta.url), 'utf8');
const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

const role = (name: string, tags: { Key: string; Value: string }[] = []) => describedRole(name, { Tags: tags });

/** Four prefixed roles: one without our policy, one with the seed's hand-applied one, one excluded, one failing. */
function givenFourRoles() {
  const roles = [
    role(`${prefix}new`),
    role(`${prefix}seed`),
    role(`${prefix}excluded`, [{ Key: 'agentcore-guard:exclude', Value: 'true' }]),
    role(`${prefix}broken`),
  ];
  iamMock.on(ListRolesCommand).resolves({ Roles: roles });
  iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
  iamMock
    .on(GetRolePolicyCommand, { RoleName: `${prefix}seed` })
    .resolves({ PolicyDocument: encodeURIComponent(seedPolicyText) });
  iamMock
    .on(GetRolePolicyCommand, { RoleName: `${prefix}broken` })
    .rejects(Object.assign(new Error('We encountered an internal error'), { name: 'ServiceFailure' }));
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  for (const r of roles) iamMock.on(GetRoleCommand, { RoleName: r.RoleName }).resolves({ Role: r });
}

/** Least privilege by default: the actions that apply to AWS-managed interpreters (GetCodeInterpreter does not). */
const MANAGED_INTERPRETER_ACTIONS = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreterSession',
  'bedrock-agentcore:ListCodeInterpreterSessions',
];

describe('sweep --dry-run --json', () => {
  beforeEach(() => iamMock.reset());

  it('holds one entry per role: how each would change, and why the others would not', async () => {
    // Prepare
    givenFourRoles();
    const { io, stdout } = captureIO({ env });

    // Act
    const code = await run(['sweep', '--dry-run', '--json'], io);

    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(stdout());
    expect(report).toMatchObject({ dryRun: true, matched: 4, failed: 1 });
    expect(report.results.map((r: SweepResult) => [r.roleName, r.status])).toEqual([
      [`${prefix}new`, 'would-remediate'],
      [`${prefix}seed`, 'would-remediate'],
      [`${prefix}excluded`, 'excluded'],
      [`${prefix}broken`, 'failed'],
    ]);
    const [created, replaced, , failed] = report.results;
    expect(created).toMatchObject({ previous: 'absent', change: { actions: { added: MANAGED_INTERPRETER_ACTIONS } } });
    expect(replaced.previous).toBe('different');
    expect(replaced.change.actions.added).toEqual(MANAGED_INTERPRETER_ACTIONS);
    expect(replaced.change.actions.removed).toEqual([
      'bedrock-agentcore:*',
      'bedrock:InvokeModel',
      'bedrock:InvokeModelWithResponseStream',
      'bedrock:InvokeCodeInterpreter',
      'bedrock:ExecuteCode',
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(replaced.change.resources).toEqual({
      added: ['arn:aws:bedrock-agentcore:*:aws:code-interpreter/*'],
      removed: ['*'],
    });
    expect(failed).toEqual({
      status: 'failed',
      roleName: `${prefix}broken`,
      roleArn: arn(`${prefix}broken`),
      roleId: expect.any(String),
      errorName: 'ServiceFailure',
      error: 'We encountered an internal error',
      permanent: false,
    });
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});

describe('sweep --dry-run for a person', () => {
  beforeEach(() => iamMock.reset());

  it('groups roles by what would happen, with the difference for a replaced policy', async () => {
    // Prepare
    givenFourRoles();
    const { io, stdout } = captureIO({ env });

    // Act
    await run(['sweep', '--dry-run'], io);

    // Assess
    const text = stdout();
    expect(text).toContain('Would change 2 roles (dry run: nothing written):');
    expect(text).toMatch(
      /CodeInterpreterAccess absent on 1 role, would be added: 5 actions on 1 resource\.\n\s+\S+new\n/,
    );
    expect(text).toMatch(/CodeInterpreterAccess different on 1 role, would be replaced:\n\s+\S+seed\n/);
    expect(text).toMatch(/^ +- action +bedrock-agentcore:\*$/m);
    expect(text).toMatch(/^ +\+ action +bedrock-agentcore:StartCodeInterpreterSession$/m);
    expect(text).toMatch(/^ +- resource +\*$/m);
    expect(text).toMatch(/Left alone \(1 role\):[\s\S]*\S+excluded +excluded +tagged agentcore-guard:exclude=true/);
    expect(text).toMatch(/Failed \(1 role\):[\s\S]*\S+broken +We encountered an internal error/);
  });
});

describe('renderSweep', () => {
  it('lists a status it does not know, with the reason the outcome carries', () => {
    // Prepare: an outcome of a kind added after this renderer was written
    const untrusted = {
      status: 'untrusted',
      roleName: `${prefix}impostor`,
      reason: 'its trust policy lets arn:aws:iam::999999999999:root assume it',
    } as unknown as SweepResult;

    // Act
    const text = renderSweep({ dryRun: true, results: [untrusted] });

    // Assess
    expect(text).toMatch(
      /Left alone \(1 role\):[\s\S]*\S+impostor +untrusted +its trust policy lets arn:aws:iam::999999999999:root/,
    );
    expect(text).toMatch(/^untrusted +1$/m);
  });
});

describe('sweep interrupted', () => {
  beforeEach(() => iamMock.reset());

  it('stops the bar, restores cursor and wrap, prints what was done, and exits 130 on SIGINT', async () => {
    // Prepare: the second role's read never answers, so the sweep is still running when the signal comes
    const roles = [role(`${prefix}done`), role(`${prefix}stuck`)];
    iamMock.on(ListRolesCommand).resolves({ Roles: roles });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(GetRolePolicyCommand, { RoleName: `${prefix}stuck` }).callsFake(() => new Promise(() => undefined));
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(GetRoleCommand).resolves({ Role: roles[0] });
    const signals = signalSource();
    const { io, stdout, stderr } = captureIO({ env, isTTY: true, signals });

    // Act
    const running = run(['sweep', '--dry-run', '--concurrency', '1'], io);
    await expect.poll(() => iamMock.commandCalls(GetRolePolicyCommand, { RoleName: `${prefix}stuck` }).length).toBe(1);
    signals.emit('SIGINT');
    const code = await running;

    // Assess
    expect(code).toBe(130);
    const terminal = stderr();
    expect(terminal.lastIndexOf('\x1b[?25h')).toBeGreaterThan(terminal.lastIndexOf('\x1b[?25l'));
    expect(terminal.lastIndexOf('\x1b[?7h')).toBeGreaterThan(terminal.lastIndexOf('\x1b[?7l'));
    expect(terminal).toContain('interrupted by SIGINT after 1 of 2 roles. Nothing was written (dry run).');
    expect(stdout()).toMatch(/absent on 1 role, would be added[^\n]*\n\s+\S+done\n/);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('exits 143 on SIGTERM and still prints valid JSON with what was done', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves({ Roles: [role(`${prefix}stuck`)] });
    iamMock.on(GetRolePolicyCommand).callsFake(() => new Promise(() => undefined));
    const signals = signalSource();
    const { io, stdout } = captureIO({ env, signals });

    // Act
    const running = run(['sweep', '--json'], io);
    await expect.poll(() => iamMock.commandCalls(GetRolePolicyCommand).length).toBe(1);
    signals.emit('SIGTERM');
    const code = await running;

    // Assess
    expect(code).toBe(143);
    expect(JSON.parse(stdout())).toEqual({
      interrupted: 'SIGTERM',
      dryRun: false,
      scanned: 1,
      matched: 1,
      durationMs: expect.any(Number),
      results: [],
    });
  });
});
