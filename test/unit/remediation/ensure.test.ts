import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type Role,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutOfTimeError } from '../../../src/aws/time-budget.js';
import { InlinePolicySizeLimitError } from '../../../src/policy/size.js';
import { ensureCodeInterpreterPolicy } from '../../../src/remediation/ensure.js';
import {
  ACCOUNT,
  describedRole,
  LEAST_PRIVILEGE_DOCUMENT,
  noSuchEntity,
  remediationSettings,
  roleArn,
  TOOLKIT_PREFIX,
  toolkitTrustPolicy,
} from '../../support/iam-fixtures.js';

const roleName = `${TOOLKIT_PREFIX}us-west-2-0123456789`;
const settings = remediationSettings({ roleNotFoundRetryMs: 30_000 });
/** The least-privilege document for a role of the test account. */
const desired = JSON.stringify(LEAST_PRIVILEGE_DOCUMENT);
const toolkitPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'ECR', Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: '*' }],
});
const trustPolicyOf = (statements: unknown[]) =>
  encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
const agentCoreMayAssume = {
  Effect: 'Allow',
  Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
  Action: 'sts:AssumeRole',
};

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const instantSleep = async () => {};

/** The role in IAM, as the toolkit leaves it (its own policy, none of ours), with what a test changes. */
function givenRole(overrides: Partial<Role> = {}) {
  iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Tags: [], ...overrides }) });
  iamMock.on(GetRolePolicyCommand, { PolicyName: 'CodeInterpreterAccess' }).rejects(noSuchEntity('policy not found'));
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['BedrockAgentCoreRuntimeExecutionPolicy-agent'] });
  iamMock
    .on(GetRolePolicyCommand, { PolicyName: 'BedrockAgentCoreRuntimeExecutionPolicy-agent' })
    .resolves({ PolicyDocument: encodeURIComponent(toolkitPolicy) });
}

const givenOurPolicy = (document = desired) =>
  iamMock.on(GetRolePolicyCommand, { PolicyName: 'CodeInterpreterAccess' }).resolves({
    PolicyDocument: encodeURIComponent(document),
  });

beforeEach(() => {
  iamMock.reset();
});

describe('ensureCodeInterpreterPolicy', () => {
  it('writes the least-privilege policy to a role of ours that lacks it', async () => {
    // Prepare
    givenRole();
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome).toEqual({
      status: 'remediated',
      roleName,
      policyName: 'CodeInterpreterAccess',
      previous: 'absent',
      change: expect.any(Object),
    });
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, {
      RoleName: roleName,
      PolicyName: 'CodeInterpreterAccess',
      PolicyDocument: desired,
    });
  });

  it('makes two reads and writes nothing when an event names a role that is already compliant', async () => {
    // Prepare
    givenRole();
    givenOurPolicy();
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome.status).toBe('compliant');
    expect(iamMock.calls()).toHaveLength(2);
  });

  it('makes one read for a compliant role its listing already described', async () => {
    // Prepare
    givenOurPolicy();
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName, described: describedRole(roleName) },
      { iam, settings },
    );
    // Assess
    expect(outcome.status).toBe('compliant');
    expect(iamMock.calls()).toHaveLength(1);
  });

  it('reads the exclusion tag from IAM before writing to a role its listing described', async () => {
    // Prepare
    givenRole({ Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] });
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName, described: describedRole(roleName) },
      { iam, settings },
    );
    // Assess
    expect(outcome.status).toBe('excluded');
    expect(iamMock).toHaveReceivedCommandTimes(GetRoleCommand, 1);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('overwrites a stored policy of our name that differs', async () => {
    // Prepare
    givenRole();
    givenOurPolicy(toolkitPolicy);
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome).toMatchObject({ status: 'remediated', previous: 'different' });
  });

  it('never writes any other inline policy', async () => {
    // Prepare
    givenRole();
    // Act
    await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    expect(iamMock).not.toHaveReceivedCommandWith(PutRolePolicyCommand, {
      PolicyName: 'BedrockAgentCoreRuntimeExecutionPolicy-agent',
    });
  });

  it('reports what it would write in dry-run, and writes nothing', async () => {
    // Prepare
    givenRole();
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings: { ...settings, dryRun: true } });
    // Assess
    expect(outcome).toMatchObject({ status: 'would-remediate', previous: 'absent' });
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('leaves a role tagged agentcore-guard:exclude=true alone', async () => {
    // Prepare
    givenRole({ Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] });
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome.status).toBe('excluded');
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('ignores a role outside the prefixes without calling IAM at all', async () => {
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName: 'ProductionDatabaseAdmin' }, { iam, settings });
    // Assess
    expect(outcome).toEqual({ status: 'ignored', roleName: 'ProductionDatabaseAdmin' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('takes partition and account from IAM, whatever the event said', async () => {
    // Prepare: IAM describes the role in the GovCloud partition of another account than the test's default.
    givenRole({ Arn: `arn:aws-us-gov:iam::210987654321:role/${roleName}` });
    iamMock.on(GetRoleCommand).resolves({
      Role: describedRole(roleName, {
        Arn: `arn:aws-us-gov:iam::210987654321:role/${roleName}`,
        Tags: [],
        AssumeRolePolicyDocument: encodeURIComponent(toolkitTrustPolicy('210987654321')),
      }),
    });
    // Act
    await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    const written = iamMock.commandCalls(PutRolePolicyCommand)[0]?.args[0].input.PolicyDocument ?? '';
    expect(JSON.parse(written).Statement[0].Resource).toEqual([
      'arn:aws-us-gov:bedrock-agentcore:*:aws:code-interpreter/*',
    ]);
  });

  describe('waiting for a new role', () => {
    it('waits for a just-created role that IAM does not show yet', async () => {
      // Prepare
      givenRole();
      iamMock
        .on(GetRoleCommand)
        .rejectsOnce(noSuchEntity())
        .rejectsOnce(noSuchEntity())
        .resolves({ Role: describedRole(roleName, { Tags: [] }) });
      const waits: number[] = [];
      // Act
      const outcome = await ensureCodeInterpreterPolicy(
        { roleName },
        { iam, settings, sleep: async (ms) => void waits.push(ms) },
      );
      // Assess
      expect(outcome.status).toBe('remediated');
      expect(waits).toEqual([250, 500]);
    });

    it('gives up with role-not-found once the consistency budget is spent', async () => {
      // Prepare
      iamMock.on(GetRoleCommand).rejects(noSuchEntity());
      const waits: number[] = [];
      // Act
      const outcome = await ensureCodeInterpreterPolicy(
        { roleName },
        { iam, settings, sleep: async (ms) => void waits.push(ms) },
      );
      // Assess
      expect(outcome).toEqual({ status: 'role-not-found', roleName, waitedMs: 30_000 });
      expect(waits.reduce((a, b) => a + b, 0)).toBe(30_000);
      expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
    });

    it("stops waiting with OutOfTimeError when the invocation's time runs out first", async () => {
      // Prepare: 30 s of consistency budget, but only 600 ms left in the invocation.
      iamMock.on(GetRoleCommand).rejects(noSuchEntity());
      let left = 600;
      const budget = { remainingMs: () => left };
      // Act
      const attempt = ensureCodeInterpreterPolicy(
        { roleName },
        {
          iam,
          settings,
          budget,
          sleep: async (ms) => {
            left -= ms;
          },
        },
      );
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(OutOfTimeError);
      expect(left).toBeGreaterThanOrEqual(0);
    });
  });

  it('refuses to write past the inline policy size limit, naming the sizes', async () => {
    // Prepare
    givenRole();
    const huge = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${'b'.repeat(10_000)}/*`] }],
    });
    iamMock
      .on(GetRolePolicyCommand, { PolicyName: 'BedrockAgentCoreRuntimeExecutionPolicy-agent' })
      .resolves({ PolicyDocument: encodeURIComponent(huge) });
    // Act
    const attempt = ensureCodeInterpreterPolicy({ roleName }, { iam, settings, sleep: instantSleep });
    // Assess
    await expect(attempt).rejects.toThrow(InlinePolicySizeLimitError);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('lets a transient AWS failure through so the caller can retry', async () => {
    // Prepare
    givenRole();
    iamMock
      .on(GetRolePolicyCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceFailure' }));
    // Act / Assess
    await expect(ensureCodeInterpreterPolicy({ roleName }, { iam, settings })).rejects.toThrow('Service unavailable');
  });
});

describe('ensureCodeInterpreterPolicy: the trust gate', () => {
  it('writes to a role trusting only AgentCore, conditioned on this account as the toolkit does', async () => {
    // Prepare
    givenRole({ AssumeRolePolicyDocument: encodeURIComponent(toolkitTrustPolicy(ACCOUNT)) });
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome.status).toBe('remediated');
  });

  it.each([
    [
      'an AWS account principal',
      [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
      /AWS "arn:aws:iam::999999999999:root"/,
    ],
    ['"*"', [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }], /any principal/],
    [
      'a federated principal',
      [
        agentCoreMayAssume,
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
        },
      ],
      /Federated "cognito-identity.amazonaws.com"/,
    ],
    [
      'another service beside AgentCore',
      [
        {
          Effect: 'Allow',
          Principal: { Service: ['bedrock-agentcore.amazonaws.com', 'lambda.amazonaws.com'] },
          Action: 'sts:AssumeRole',
        },
      ],
      /Service "lambda.amazonaws.com"/,
    ],
    [
      'aws:SourceAccount naming another account',
      [{ ...agentCoreMayAssume, Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } } }],
      /aws:SourceAccount 999999999999/,
    ],
    [
      'aws:SourceArn in another account',
      [
        {
          ...agentCoreMayAssume,
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:bedrock-agentcore:us-east-1:999999999999:*' } },
        },
      ],
      /aws:SourceArn/,
    ],
    [
      'NotPrincipal',
      [{ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }],
      /NotPrincipal/,
    ],
    ['no statement at all', [], /no statement lets bedrock-agentcore.amazonaws.com assume it/],
  ])('refuses a role whose trust policy admits %s, and writes nothing', async (_, statements, reason) => {
    // Prepare
    givenRole({ AssumeRolePolicyDocument: trustPolicyOf(statements) });
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome).toMatchObject({ status: 'untrusted', roleName, carriesOurPolicy: false, removed: false });
    expect(outcome.status === 'untrusted' && outcome.reason).toMatch(reason);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('lets a Deny statement beside the AgentCore Allow through: it only takes access away', async () => {
    // Prepare
    givenRole({
      AssumeRolePolicyDocument: trustPolicyOf([
        agentCoreMayAssume,
        { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' },
      ]),
    });
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome.status).toBe('remediated');
  });

  it('reports a role that already carries our policy but fails the gate untrusted, never compliant', async () => {
    // Prepare
    givenRole({
      AssumeRolePolicyDocument: trustPolicyOf([{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }]),
    });
    givenOurPolicy();
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    expect(outcome).toMatchObject({ status: 'untrusted', carriesOurPolicy: true, removed: false });
    expect(iamMock).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });

  it('removes our own policy from an untrusted role when told to, and only ours', async () => {
    // Prepare
    givenRole({
      AssumeRolePolicyDocument: trustPolicyOf([{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }]),
    });
    givenOurPolicy();
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName },
      { iam, settings: { ...settings, removeFromUntrusted: true } },
    );
    // Assess
    expect(outcome).toMatchObject({ status: 'untrusted', carriesOurPolicy: true, removed: true });
    expect(iamMock).toHaveReceivedCommandWith(DeleteRolePolicyCommand, {
      RoleName: roleName,
      PolicyName: 'CodeInterpreterAccess',
    });
  });

  it('keeps a policy of our name that is not a document we write, even when told to remove ours', async () => {
    // Prepare
    givenRole({
      AssumeRolePolicyDocument: trustPolicyOf([{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }]),
    });
    givenOurPolicy(toolkitPolicy);
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName },
      { iam, settings: { ...settings, removeFromUntrusted: true } },
    );
    // Assess
    expect(outcome).toMatchObject({ status: 'untrusted', carriesOurPolicy: true, removed: false });
    expect(iamMock).not.toHaveReceivedCommand(DeleteRolePolicyCommand);
  });

  it('reports a prefixed role at a path unsupported-path, without reading or writing its policies', async () => {
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName, described: describedRole(roleName, { Path: '/team/' }) },
      { iam, settings },
    );
    // Assess
    expect(outcome).toMatchObject({
      status: 'unsupported-path',
      path: '/team/',
      roleArn: roleArn(roleName, { path: '/team/' }),
    });
    expect(iamMock.calls()).toHaveLength(0);
  });
});
