import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { STACK_TAG_KEY } from '../../../src/fleet/member-stack.js';
import { captureIO, signalSource } from '../../support/cli-io.js';
import {
  ADMINISTRATOR,
  AUDIT_ROLE,
  compliantPolicyFor,
  memberStackOutputs,
  STACK_NAME,
} from '../../support/fleet-fixtures.js';
import { describedRole, roleArn, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';

const sts = mockClient(STSClient);
const org = mockClient(OrganizationsClient);
const iam = mockClient(IAMClient);
const cloudFormation = mockClient(CloudFormationClient);
const dynamoDb = mockClient(DynamoDBClient);
const cloudWatch = mockClient(CloudWatchClient);
const control = mockClient(BedrockAgentCoreControlClient);

const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const OURS = `${TOOLKIT_PREFIX}us-east-1-0123456789`;
/** Three member accounts; the third has no audit role (its AssumeRole is refused). */
const MEMBERS = ['210000000001', '210000000002', '210000000003'] as const;
const CREDENTIALS = { AccessKeyId: 'ASIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date() };

const refusedFor = (accountId: string) => (input: AssumeRoleCommandInput) => {
  if (input.RoleArn?.includes(`::${accountId}:`)) {
    throw Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
  }
  return { Credentials: CREDENTIALS };
};

/** Every member whose role can be assumed is healthy: its stack settled, its one prefixed role compliant. */
function givenTheFleet(assumeRole: (input: AssumeRoleCommandInput) => unknown = refusedFor(MEMBERS[2])) {
  sts.on(GetCallerIdentityCommand).resolves({
    Account: ADMINISTRATOR,
    Arn: `arn:aws:iam::${ADMINISTRATOR}:user/auditor`,
  });
  org.on(ListAccountsCommand).resolves({
    Accounts: MEMBERS.map((Id, i) => ({ Id, Name: `member-${i + 1}`, State: 'ACTIVE' })),
  });
  sts.on(AssumeRoleCommand).callsFake(assumeRole);
  iam.on(GetRoleCommand, { RoleName: AUDIT_ROLE }).resolves({
    Role: describedRole(AUDIT_ROLE, { Tags: [{ Key: STACK_TAG_KEY, Value: STACK_NAME }] }),
  });
  iam.on(ListRolesCommand).resolves({ Roles: [describedRole(OURS)] });
  iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: compliantPolicyFor(roleArn(OURS)) });
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: STACK_NAME,
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: memberStackOutputs(),
      },
    ],
  });
  control.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: [] });
  control.on(GetAgentRuntimeCommand).resolves({});
  dynamoDb.on(ScanCommand).resolves({ Items: [] });
  cloudWatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
}

beforeEach(() => {
  for (const mock of [sts, org, iam, cloudFormation, dynamoDb, cloudWatch, control]) mock.reset();
});

describe('agentcore-guard fleet', () => {
  it('prints one row per account, a failing account in its own row, and exits 1', async () => {
    // Prepare
    givenTheFleet();
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['fleet'], io);
    // Assess
    expect(code).toBe(1);
    const lines = stdout().split('\n');
    expect(lines[0]).toMatch(/^ACCOUNT\s+NAME\s+STACK\s+VERSION\s+ROLES\s+COMPLIANT\s+UNFIXED\s+UNTRUSTED\s+RUNTIMES/);
    expect(lines.find((l) => l.startsWith(MEMBERS[0]))).toMatch(
      /member-1\s+CREATE_COMPLETE\s+0\.1\.0\s+1\s+1\s+0\s+0\s+0\s+0\s+0\s+0\s+healthy$/,
    );
    expect(lines.find((l) => l.startsWith(MEMBERS[2]))).toMatch(
      /unreachable: audit role missing or not trusting this account \(AccessDenied: not authorized/,
    );
    expect(stdout()).toMatch(/3 account\(s\): 2 healthy, 0 unhealthy, 1 unreachable, 0 skipped/);
  });

  it('exits 0 when every account is healthy', async () => {
    // Prepare
    givenTheFleet(() => ({ Credentials: CREDENTIALS }));
    const { io } = captureIO({ env });
    // Act / Assess
    expect(await run(['fleet'], io)).toBe(0);
  });

  it('prints the documented JSON with --json, and no progress', async () => {
    // Prepare
    givenTheFleet();
    const { io, stdout, stderr } = captureIO({ env });
    // Act
    const code = await run(['fleet', '--json', '--role-name', AUDIT_ROLE, '--days', '30'], io);
    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(stdout());
    expect(Object.keys(report).sort()).toEqual(
      [
        'accounts',
        'administratorAccount',
        'auditRoleName',
        'counts',
        'durationMs',
        'healthy',
        'organizationalUnit',
        'remediatedWindowDays',
      ].sort(),
    );
    expect(report).toMatchObject({
      administratorAccount: ADMINISTRATOR,
      organizationalUnit: null,
      auditRoleName: AUDIT_ROLE,
      remediatedWindowDays: 30,
      healthy: false,
      counts: { accounts: 3, healthy: 2, unreachable: 1 },
    });
    expect(report.accounts[0]).toMatchObject({
      accountId: MEMBERS[0],
      verdict: 'healthy',
      stack: { name: STACK_NAME, status: 'CREATE_COMPLETE', version: '0.1.0' },
      roles: { checked: 1, compliant: 1 },
      remediated: { count: 0, days: 30 },
    });
    expect(stderr()).not.toMatch(/\[\d\/3\]/);
  });

  it('reports progress one line per account off a terminal, and as a bar on one', async () => {
    // Prepare
    givenTheFleet();
    const plain = captureIO({ env });
    const terminal = captureIO({ env, isTTY: true });
    // Act
    await run(['fleet'], plain.io);
    await run(['fleet'], terminal.io);
    // Assess
    expect(plain.stderr().match(/^\[\d\/3\] \d{12} (healthy|unreachable)$/gm)).toHaveLength(3);
    expect(terminal.stderr()).toMatch(/Auditing accounts \[.*\] 3\/3/);
  });

  it.each([
    [['fleet', '--ou', 'engineering'], /--ou "engineering" is not valid/],
    [['fleet', '--concurrency', '0'], /--concurrency "0" is not valid: expected a whole number from 1 to 32/],
    [['fleet', '--days', '365'], /--days "365" is not valid/],
    [['fleet', '--role-name', 'no spaces'], /--role-name "no spaces" is not valid/],
  ])('refuses %j as a usage error (exit 2), before calling AWS', async (argv, message) => {
    // Prepare
    givenTheFleet();
    const { io, stderr } = captureIO({ env });
    // Act
    const code = await run(argv, io);
    // Assess
    expect(code).toBe(2);
    expect(stderr()).toMatch(message);
    expect(org).not.toHaveReceivedAnyCommand();
  });

  it('names the environment variable when FLEET_CONCURRENCY is bad', async () => {
    // Prepare
    const { io, stderr } = captureIO({ env: { ...env, FLEET_CONCURRENCY: 'many' } });
    // Act
    const code = await run(['fleet'], io);
    // Assess
    expect(code).toBe(2);
    expect(stderr()).toMatch(/FLEET_CONCURRENCY="many" \(or --concurrency\)/);
  });

  it('says to run from the organization when this account is in none (exit 2)', async () => {
    // Prepare
    givenTheFleet();
    org
      .on(ListAccountsCommand)
      .rejects(Object.assign(new Error('not in use'), { name: 'AWSOrganizationsNotInUseException' }));
    const { io, stderr } = captureIO({ env });
    // Act
    const code = await run(['fleet'], io);
    // Assess
    expect(code).toBe(2);
    expect(stderr()).toMatch(/not in an organization.*management or delegated administrator account/);
  });

  it('stops on Ctrl-C with what it has, exits 130, and says nothing was changed', async () => {
    // Prepare: the third account never answers.
    const hang = (input: AssumeRoleCommandInput) =>
      input.RoleArn?.includes(`::${MEMBERS[2]}:`) ? new Promise(() => undefined) : { Credentials: CREDENTIALS };
    givenTheFleet(hang);
    const signals = signalSource();
    const { io, stdout, stderr } = captureIO({ env, signals });
    const running = run(['fleet', '--concurrency', '3'], io);
    // Act
    while (!/\[2\/3\]/.test(stderr())) await new Promise((resolve) => setTimeout(resolve, 5));
    signals.emit('SIGINT');
    const code = await running;
    // Assess
    expect(code).toBe(130);
    expect(stderr()).toMatch(/interrupted by SIGINT after 2 of 3 accounts; nothing was changed/);
    expect(stdout()).toMatch(/2 account\(s\): 2 healthy/);
  });

  it('prints the central topic template (fleet topic-template)', async () => {
    // Prepare
    const { io, stdout } = captureIO({ env });
    // Act
    const code = await run(['fleet', 'topic-template'], io);
    // Assess
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(stdout()).Resources)).toContain('CentralAlertsTopicPolicy');
  });
});
