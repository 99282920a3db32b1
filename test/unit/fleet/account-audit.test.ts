import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { memberAccountClients } from '../../../src/aws/fleet-clients.js';
import { type AccountAuditDeps, auditAccount } from '../../../src/fleet/account-audit.js';
import { REMEDIATED_METRIC, STACK_TAG_KEY } from '../../../src/fleet/member-stack.js';
import {
  ALERT_TABLE,
  AUDIT_ROLE,
  compliantPolicyFor,
  memberStackOutputs,
  STACK_NAME,
} from '../../support/fleet-fixtures.js';
import { ACCOUNT, describedRole, noSuchEntity, roleArn, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const cloudFormation = mockClient(CloudFormationClient);
const dynamoDb = mockClient(DynamoDBClient);
const cloudWatch = mockClient(CloudWatchClient);
const control = mockClient(BedrockAgentCoreControlClient);

const NOW = new Date('2026-11-26T09:00:00.000Z');
const OURS = `${TOOLKIT_PREFIX}us-east-1-0123456789`;
const THEIRS = 'TeamAgentRole';
const account = { accountId: ACCOUNT, name: 'agents-prod', state: 'ACTIVE' };

const deps = (): AccountAuditDeps => ({
  sts: new STSClient({ region: 'us-east-1' }),
  clientsFor: (credentials) => memberAccountClients(credentials, { iamMaxAttempts: 1 }),
  partition: 'aws',
  auditRoleName: AUDIT_ROLE,
  remediatedWindowDays: 7,
  now: () => NOW,
});

const accessDenied = (message: string) => Object.assign(new Error(message), { name: 'AccessDenied' });

/** A member account whose stack is in place, one prefixed role compliant, two runtimes (one not ours), no alerts. */
function givenAHealthyAccount() {
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: NOW },
  });
  iam.on(GetRoleCommand, { RoleName: AUDIT_ROLE }).resolves({
    Role: describedRole(AUDIT_ROLE, { Tags: [{ Key: STACK_TAG_KEY, Value: STACK_NAME }] }),
  });
  iam.on(ListRolesCommand).resolves({ Roles: [describedRole(OURS), describedRole('SomethingElse')] });
  iam.on(GetRolePolicyCommand, { RoleName: OURS }).resolves({ PolicyDocument: compliantPolicyFor(roleArn(OURS)) });
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK_NAME }).resolves({
    Stacks: [
      {
        StackName: STACK_NAME,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: NOW,
        Outputs: memberStackOutputs(),
      },
    ],
  });
  control.on(ListAgentRuntimesCommand).resolves({
    agentRuntimes: ['ours', 'theirs'].map((id) => ({
      agentRuntimeArn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:runtime/${id}`,
      agentRuntimeId: id,
      agentRuntimeName: id,
      agentRuntimeVersion: '1',
      description: '',
      lastUpdatedAt: NOW,
      status: 'READY',
    })),
  });
  control.on(GetAgentRuntimeCommand, { agentRuntimeId: 'ours' }).resolves({ roleArn: roleArn(OURS), status: 'READY' });
  control
    .on(GetAgentRuntimeCommand, { agentRuntimeId: 'theirs' })
    .resolves({ roleArn: roleArn(THEIRS), status: 'READY' });
  dynamoDb.on(ScanCommand).resolves({ Items: [] });
  cloudWatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Sum: 3 }] });
}

beforeEach(() => {
  for (const mock of [sts, iam, cloudFormation, dynamoDb, cloudWatch, control]) mock.reset();
});

describe('one member account', () => {
  it('is healthy when its stack is in place, its roles compliant and nothing is alerting', async () => {
    // Prepare
    givenAHealthyAccount();
    // Act
    const report = await auditAccount(account, deps());
    // Assess
    expect(report).toMatchObject({
      accountId: ACCOUNT,
      name: 'agents-prod',
      verdict: 'healthy',
      problems: [],
      stack: { name: STACK_NAME, status: 'UPDATE_COMPLETE', version: '0.1.0' },
      roles: { checked: 1, compliant: 1, unfixed: 0, untrusted: 0, atPath: 0, excluded: 0 },
      runtimes: { checked: 2, notOurs: 1, regions: ['us-east-1'] },
      remediated: { count: 3, days: 7 },
      openAlerts: { count: 0, alerts: [] },
    });
  });

  it('assumes the audit role by its name in that account, for a short session', async () => {
    // Prepare
    givenAHealthyAccount();
    // Act
    await auditAccount(account, deps());
    // Assess
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${AUDIT_ROLE}`,
      RoleSessionName: 'agentcore-guard-fleet',
      DurationSeconds: 900,
    });
  });

  it('counts the remediations of the window from the functions’ own metric', async () => {
    // Prepare
    givenAHealthyAccount();
    // Act
    await auditAccount(account, deps());
    // Assess
    expect(cloudWatch).toHaveReceivedCommandWith(GetMetricStatisticsCommand, {
      Namespace: REMEDIATED_METRIC.namespace,
      MetricName: REMEDIATED_METRIC.metricName,
      Dimensions: [{ Name: 'service', Value: 'agentcore-guard' }],
      StartTime: new Date('2026-11-19T09:00:00.000Z'),
      EndTime: NOW,
      Period: 7 * 86_400,
      Statistics: ['Sum'],
    });
  });

  it('is unhealthy with a role without our policy and an open alert, and says so', async () => {
    // Prepare
    givenAHealthyAccount();
    iam.on(GetRolePolicyCommand, { RoleName: OURS }).rejects(noSuchEntity());
    iam.on(GetRoleCommand, { RoleName: OURS }).resolves({ Role: describedRole(OURS, { Tags: [] }) });
    dynamoDb.on(ScanCommand).resolves({
      Items: [marshall({ subject: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:runtime/ours`, reason: 'timeout' })],
    });
    // Act
    const report = await auditAccount(account, deps());
    // Assess
    expect(report.verdict).toBe('unhealthy');
    expect(report.roles).toMatchObject({
      compliant: 0,
      unfixed: 1,
      findings: [{ roleName: OURS, standing: 'unfixed' }],
    });
    expect(report.openAlerts?.alerts).toEqual([
      { subject: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:runtime/ours`, reason: 'timeout' },
    ]);
    expect(report.problems).toEqual([
      '1 role(s) without the Code Interpreter policy (a sweep would add it)',
      '1 open alert(s)',
    ]);
  });

  it('asks the alert state only for rows whose last announcement was failing', async () => {
    // Prepare
    givenAHealthyAccount();
    // Act
    await auditAccount(account, deps());
    // Assess
    expect(dynamoDb).toHaveReceivedCommandWith(ScanCommand, {
      TableName: ALERT_TABLE,
      FilterExpression: '#status = :failing',
      ExpressionAttributeValues: { ':failing': { S: 'failing' } },
    });
  });

  it('is unreachable, not fatal, when the audit role cannot be assumed', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(accessDenied('User is not authorized to perform: sts:AssumeRole'));
    // Act
    const report = await auditAccount(account, deps());
    // Assess
    expect(report.verdict).toBe('unreachable');
    expect(report.problems).toEqual([
      'audit role missing or not trusting this account (AccessDenied: User is not authorized to perform: sts:AssumeRole)',
    ]);
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('is unreachable when the audit role is not there, or was not made by the stack', async () => {
    // Prepare
    givenAHealthyAccount();
    iam
      .on(GetRoleCommand, { RoleName: AUDIT_ROLE })
      .rejectsOnce(noSuchEntity('Role not found'))
      .resolves({ Role: describedRole(AUDIT_ROLE, { Tags: [] }) });
    // Act
    const missing = await auditAccount(account, deps());
    const untagged = await auditAccount(account, deps());
    // Assess
    expect(missing.problems).toEqual(['audit role missing (NoSuchEntityException: Role not found)']);
    expect(untagged.problems[0]).toMatch(/has no agentcore-guard:stack tag/);
    expect([missing.verdict, untagged.verdict]).toEqual(['unreachable', 'unreachable']);
  });

  it('is unreachable when its stack does not say how it is set up (older than the report)', async () => {
    // Prepare
    givenAHealthyAccount();
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK_NAME, StackStatus: 'UPDATE_COMPLETE', CreationTime: NOW, Outputs: [] }],
    });
    // Act
    const report = await auditAccount(account, deps());
    // Assess
    expect(report.verdict).toBe('unreachable');
    expect(report.stack).toEqual({ name: STACK_NAME });
    expect(report.problems[0]).toMatch(/no RolePrefixes output.*deploy this release/);
  });

  it('reports the parts it could read when one cannot be, and is unhealthy', async () => {
    // Prepare
    givenAHealthyAccount();
    dynamoDb.on(ScanCommand).rejects(accessDenied('not authorized to perform: dynamodb:Scan'));
    // Act
    const report = await auditAccount(account, deps());
    // Assess
    expect(report.verdict).toBe('unhealthy');
    expect(report.openAlerts).toBeUndefined();
    expect(report.roles?.compliant).toBe(1);
    expect(report.problems).toEqual(['alerts not read (AccessDenied: not authorized to perform: dynamodb:Scan)']);
  });

  it('is unhealthy while its stack is not in a settled state', async () => {
    // Prepare
    givenAHealthyAccount();
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: STACK_NAME,
          StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
          CreationTime: NOW,
          Outputs: memberStackOutputs(),
        },
      ],
    });
    // Act
    const report = await auditAccount(account, deps());
    // Assess
    expect(report.problems).toEqual(['stack is UPDATE_ROLLBACK_COMPLETE']);
  });

  it('skips an account that is not active, without assuming anything there', async () => {
    // Act
    const report = await auditAccount({ ...account, state: 'SUSPENDED' }, deps());
    // Assess
    expect(report).toMatchObject({ verdict: 'skipped', problems: ['account is SUSPENDED'] });
    expect(sts).not.toHaveReceivedAnyCommand();
  });
});
