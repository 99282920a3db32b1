import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidRoleArnError, parseRoleArn } from '../../../src/aws/arn.js';
import { buildPolicyDocument } from '../../../src/policy/profiles.js';
import { InlinePolicySizeLimitError } from '../../../src/policy/size.js';
import { ensureCodeInterpreterPolicy, type RemediationSettings } from '../../../src/remediation/ensure.js';

const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
const settings: RemediationSettings = {
  rolePrefixes: ['AmazonBedrockAgentCoreSDKRuntime-'],
  policyProfile: 'least-privilege',
  policyName: 'CodeInterpreterAccess',
  dryRun: false,
  roleNotFoundRetryMs: 30_000,
};
const desired = JSON.stringify(buildPolicyDocument('least-privilege', parseRoleArn(roleArn)));
const toolkitPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'ECR', Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: '*' }],
});
const noSuchEntity = (message: string) => new NoSuchEntityException({ message, $metadata: {} });

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const instantSleep = async () => {};

function givenRoleWithToolkitPolicyOnly(tags: { Key: string; Value: string }[] = []) {
  iamMock.on(GetRoleCommand).resolves({
    Role: { RoleName: roleName, Arn: roleArn, Path: '/', RoleId: 'AROA', CreateDate: new Date(), Tags: tags },
  });
  iamMock.on(GetRolePolicyCommand, { PolicyName: 'CodeInterpreterAccess' }).rejects(noSuchEntity('policy not found'));
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['BedrockAgentCoreRuntimeExecutionPolicy-agent'] });
  iamMock
    .on(GetRolePolicyCommand, { PolicyName: 'BedrockAgentCoreRuntimeExecutionPolicy-agent' })
    .resolves({ PolicyDocument: encodeURIComponent(toolkitPolicy) });
}

beforeEach(() => {
  iamMock.reset();
});

describe('ensureCodeInterpreterPolicy', () => {
  it('writes the policy to a role that lacks it', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
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

  it('writes nothing and makes one call when the stored policy is already equal', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(desired) });
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
    // Assess
    expect(outcome.status).toBe('compliant');
    expect(iamMock.calls()).toHaveLength(1);
  });

  it('overwrites a stored policy of our name that differs', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    iamMock
      .on(GetRolePolicyCommand, { PolicyName: 'CodeInterpreterAccess' })
      .resolves({ PolicyDocument: encodeURIComponent(toolkitPolicy) });
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
    // Assess
    expect(outcome).toMatchObject({ status: 'remediated', previous: 'different' });
  });

  it('never writes any other inline policy', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    // Act
    await ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
    // Assess
    expect(iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    expect(iamMock).not.toHaveReceivedCommandWith(PutRolePolicyCommand, {
      PolicyName: 'BedrockAgentCoreRuntimeExecutionPolicy-agent',
    });
  });

  it('reports what it would write in dry-run, and writes nothing', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName, roleArn },
      { iam, settings: { ...settings, dryRun: true } },
    );
    // Assess
    expect(outcome).toMatchObject({ status: 'would-remediate', previous: 'absent' });
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('leaves a role tagged agentcore-guard:exclude=true alone', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly([{ Key: 'agentcore-guard:exclude', Value: 'true' }]);
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
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

  it('waits for a just-created role that IAM does not show yet', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    iamMock
      .on(GetRoleCommand)
      .rejectsOnce(noSuchEntity('role not found'))
      .rejectsOnce(noSuchEntity('role not found'))
      .resolves({ Role: { RoleName: roleName, Arn: roleArn, Path: '/', RoleId: 'AROA', CreateDate: new Date() } });
    const waits: number[] = [];
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName, roleArn },
      { iam, settings, sleep: async (ms) => void waits.push(ms) },
    );
    // Assess
    expect(outcome.status).toBe('remediated');
    expect(waits).toEqual([250, 500]);
  });

  it('gives up with role-not-found once the consistency budget is spent', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity('role not found'));
    iamMock.on(GetRoleCommand).rejects(noSuchEntity('role not found'));
    const waits: number[] = [];
    // Act
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName, roleArn },
      { iam, settings, sleep: async (ms) => void waits.push(ms) },
    );
    // Assess
    expect(outcome).toEqual({ status: 'role-not-found', roleName, waitedMs: 30_000 });
    expect(waits.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('looks the role up first when only its name is known', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    // Act
    const outcome = await ensureCodeInterpreterPolicy({ roleName }, { iam, settings, sleep: instantSleep });
    // Assess
    expect(outcome.status).toBe('remediated');
    expect(iamMock.call(0).args[0]).toBeInstanceOf(GetRoleCommand);
    expect(iamMock).toHaveReceivedCommandTimes(GetRoleCommand, 1);
  });

  it('refuses to write past the inline policy size limit, naming the sizes', async () => {
    // Prepare
    givenRoleWithToolkitPolicyOnly();
    const huge = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${'b'.repeat(10_000)}/*`] }],
    });
    iamMock
      .on(GetRolePolicyCommand, { PolicyName: 'BedrockAgentCoreRuntimeExecutionPolicy-agent' })
      .resolves({ PolicyDocument: encodeURIComponent(huge) });
    // Act
    const attempt = ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
    // Assess
    await expect(attempt).rejects.toThrow(InlinePolicySizeLimitError);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('refuses a role ARN that names another role, before any IAM call', async () => {
    // Act
    const attempt = ensureCodeInterpreterPolicy(
      { roleName, roleArn: 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-other' },
      { iam, settings },
    );
    // Assess
    await expect(attempt).rejects.toThrow(InvalidRoleArnError);
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('lets a transient AWS failure through so the caller can retry', async () => {
    // Prepare
    iamMock
      .on(GetRolePolicyCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceFailure' }));
    // Act / Assess
    await expect(ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings })).rejects.toThrow(
      'Service unavailable',
    );
  });
});
