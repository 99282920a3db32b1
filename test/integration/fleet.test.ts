import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BedrockAgentCoreControlClient, CreateAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudFormationClient, CreateStackCommand, waitUntilStackCreateComplete } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseRoleArn } from '../../src/aws/arn.js';
import type { AccountReport } from '../../src/fleet/account-audit.js';
import { REMEDIATED_METRIC, STACK_OUTPUTS } from '../../src/fleet/member-stack.js';
import { leastPrivilegePolicy } from '../../src/policy/profiles.js';
import { credentialsIn } from '../support/fleet-fixtures.js';
import { TOOLKIT_PREFIX, toolkitTrustPolicy } from '../support/iam-fixtures.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
import { defaultPackaging, PACKAGED_TEMPLATE } from '../support/packaging.js';

/**
 * The fleet report against moto with three member accounts, run as a person runs it: the built CLI, from the
 * organization's management account (moto's default account), over an OU holding the three (one of them in a nested
 * OU). Each member gets the member stack's own audit role, alert-state table and outputs: the packaged template, cut
 * down to those resources and deployed with CloudFormation into that account (moto's AssumeRole into another
 * account's role switches account). One member is compliant, one has a role without our policy, one has no stack.
 *
 * What moto does not do: it accepts AssumeRole into a role that does not exist (and checks no trust policy), so the
 * third account's missing audit role shows on the report's first read there (GetRole on itself: NoSuchEntity), where
 * AWS would refuse the AssumeRole (AccessDenied; the unit tests cover that). EventBridge does not run the functions,
 * so the Remediated count they emit as embedded metrics is put in with PutMetricData.
 */

const run = promisify(execFile);
const MANAGEMENT = '123456789012';

let moto: MotoServer;
let memberTemplate: string;
let organizationId: string;
let agentsOu: string;
const members: { compliant: string; unfixed: string; missing: string } = { compliant: '', unfixed: '', missing: '' };

/** The member stack's resources and outputs the fleet report reads, from the packaged template. */
async function packagedMemberSlice(): Promise<Record<string, unknown>> {
  const full = JSON.parse(await readFile(join(await defaultPackaging(), PACKAGED_TEMPLATE), 'utf8'));
  const keep = <T>(all: Record<string, T>, ids: string[]) => Object.fromEntries(ids.map((id) => [id, all[id]]));
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: keep(full.Parameters, ['AuditAdministratorAccount', 'OrganizationId']),
    Conditions: keep(full.Conditions, ['HasAuditRole', 'AuditRoleInOrganization']),
    Resources: keep(full.Resources, ['AuditRole', 'AlertStateTable']),
    Outputs: keep(full.Outputs, [...Object.values(STACK_OUTPUTS), 'AuditRoleArn']),
  };
}

/** The member stack as a StackSet would deploy it there: administrator account and organization as parameters. */
async function deployMemberStack(credentials: AwsCredentialIdentity) {
  const cloudFormation = new CloudFormationClient({ credentials });
  await cloudFormation.send(
    new CreateStackCommand({
      StackName: 'StackSet-agentcore-guard-0a1b2c3d-4e5f',
      TemplateBody: memberTemplate,
      Parameters: [
        { ParameterKey: 'AuditAdministratorAccount', ParameterValue: MANAGEMENT },
        { ParameterKey: 'OrganizationId', ParameterValue: organizationId },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await waitUntilStackCreateComplete(
    { client: cloudFormation, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
    { StackName: 'StackSet-agentcore-guard-0a1b2c3d-4e5f' },
  );
}

/** A toolkit runtime role of that account (its trust names that account), with our policy when it was fixed. */
async function createRuntimeRole(credentials: AwsCredentialIdentity, account: string, name: string, fixed: boolean) {
  const iam = new IAMClient({ credentials });
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: toolkitTrustPolicy(account, 'us-east-1') }),
  );
  const roleArn = Role?.Arn ?? '';
  if (fixed) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: JSON.stringify(leastPrivilegePolicy(parseRoleArn(roleArn))),
      }),
    );
  }
  return roleArn;
}

async function createRuntime(credentials: AwsCredentialIdentity, name: string, roleArn: string) {
  await new BedrockAgentCoreControlClient({ credentials }).send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      agentRuntimeArtifact: {
        containerConfiguration: { containerUri: `${MANAGEMENT}.dkr.ecr.us-east-1.amazonaws.com/a:1` },
      },
      roleArn,
      networkConfiguration: { networkMode: 'PUBLIC' },
    }),
  );
}

beforeAll(async () => {
  [moto, memberTemplate] = await Promise.all([
    leaseMoto(),
    packagedMemberSlice().then((slice) => JSON.stringify(slice)),
  ]);
  useEndpoint(moto.endpoint);

  // The organization: the management account, an OU "agents" with a nested OU "team", three new accounts.
  const org = new OrganizationsClient({});
  organizationId = (await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization?.Id ?? '';
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const ou = async (parent: string, name: string) =>
    (await org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }))).OrganizationalUnit?.Id ??
    '';
  agentsOu = await ou(root, 'agents');
  const teamOu = await ou(agentsOu, 'team');
  for (const [key, parent] of [
    ['compliant', agentsOu],
    ['unfixed', agentsOu],
    ['missing', teamOu],
  ] as const) {
    const { CreateAccountStatus } = await org.send(
      new CreateAccountCommand({ AccountName: `agents-${key}`, Email: `${key}@example.com` }),
    );
    members[key] = CreateAccountStatus?.AccountId ?? '';
    await org.send(
      new MoveAccountCommand({ AccountId: members[key], SourceParentId: root, DestinationParentId: parent }),
    );
  }

  // Compliant: the stack, a toolkit role with our policy, its runtime and one that is not ours, a remediation counted.
  const compliant = await credentialsIn(members.compliant);
  await deployMemberStack(compliant);
  const fixed = await createRuntimeRole(compliant, members.compliant, `${TOOLKIT_PREFIX}us-east-1-fixed`, true);
  await createRuntime(compliant, 'fixed_agent', fixed);
  await createRuntime(compliant, 'cdk_agent', `arn:aws:iam::${members.compliant}:role/CdkAgentServiceRole`);
  await new CloudWatchClient({ credentials: compliant }).send(
    new PutMetricDataCommand({
      Namespace: REMEDIATED_METRIC.namespace,
      MetricData: [
        {
          MetricName: REMEDIATED_METRIC.metricName,
          Dimensions: Object.entries(REMEDIATED_METRIC.dimensions).map(([Name, Value]) => ({ Name, Value })),
          Value: 1,
          Unit: 'Count',
        },
      ],
    }),
  );

  // Unfixed: the stack, a toolkit role without our policy, and the health check's open alert on its agent.
  const unfixed = await credentialsIn(members.unfixed);
  await deployMemberStack(unfixed);
  const broken = await createRuntimeRole(unfixed, members.unfixed, `${TOOLKIT_PREFIX}us-east-1-broken`, false);
  await createRuntime(unfixed, 'broken_agent', broken);
  const table = await alertTableOf(unfixed);
  await new DynamoDBClient({ credentials: unfixed }).send(
    new PutItemCommand({
      TableName: table,
      Item: marshall({
        subject: `arn:aws:bedrock-agentcore:us-east-1:${members.unfixed}:runtime/broken_agent-0123456789`,
        status: 'failing',
        reason: 'permission-denied',
        since: '2026-11-26T09:00:00.000Z',
        version: 2,
      }),
    }),
  );
  // Missing: an account of the organization where the stack was never deployed.
}, 300_000);

afterAll(async () => {
  await moto?.release();
});

async function alertTableOf(credentials: AwsCredentialIdentity): Promise<string> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const { Stacks } = await new CloudFormationClient({ credentials }).send(
    new DescribeStacksCommand({ StackName: 'StackSet-agentcore-guard-0a1b2c3d-4e5f' }),
  );
  return Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === STACK_OUTPUTS.alertStateTable)?.OutputValue ?? '';
}

/** The built CLI as a child process, with the management account's credentials. */
async function fleet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [inject('cliBundle'), 'fleet', ...args], {
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('agentcore-guard fleet against three member accounts', () => {
  it('shows one account compliant, one with an unfixed role, and one whose audit role is missing; exit 1', async () => {
    // Act
    const result = await fleet(['--ou', agentsOu, '--json']);
    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { organizationalUnit: string; accounts: AccountReport[] };
    const row = (id: string) => report.accounts.find((a) => a.accountId === id);
    expect(report.organizationalUnit).toBe(agentsOu);
    expect(report.accounts.map((a) => a.accountId).sort()).toEqual(Object.values(members).sort());
    expect(row(members.compliant)).toMatchObject({
      verdict: 'healthy',
      problems: [],
      stack: { name: 'StackSet-agentcore-guard-0a1b2c3d-4e5f', status: 'CREATE_COMPLETE', version: expect.any(String) },
      roles: { checked: 1, compliant: 1, unfixed: 0, untrusted: 0 },
      runtimes: { checked: 2, notOurs: 1, regions: ['us-east-1'] },
      remediated: { count: 1, days: 7 },
      openAlerts: { count: 0 },
    });
    expect(row(members.unfixed)).toMatchObject({
      verdict: 'unhealthy',
      roles: { checked: 1, compliant: 0, unfixed: 1, findings: [{ standing: 'unfixed', detail: 'absent' }] },
      openAlerts: { count: 1, alerts: [{ reason: 'permission-denied' }] },
      problems: ['1 role(s) without the Code Interpreter policy (a sweep would add it)', '1 open alert(s)'],
    });
    expect(row(members.missing)).toMatchObject({ verdict: 'unreachable' });
    expect(row(members.missing)?.problems[0]).toMatch(/^audit role missing \(NoSuchEntity/);
  });

  it('prints the same as a table, one row per account, the missing audit role in its row', async () => {
    // Act
    const result = await fleet(['--ou', agentsOu]);
    // Assess
    expect(result.code).toBe(1);
    const line = (id: string) => result.stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(line(members.compliant)).toMatch(/healthy$/);
    expect(line(members.unfixed)).toMatch(/unhealthy: 1 role\(s\) without the Code Interpreter policy/);
    expect(line(members.missing)).toMatch(/unreachable: audit role missing/);
    expect(result.stdout).toMatch(/3 account\(s\): 1 healthy, 1 unhealthy, 1 unreachable, 0 skipped/);
    expect(result.stderr.match(/^\[\d\/3\] \d{12} \w+$/gm)).toHaveLength(3);
  });
});
