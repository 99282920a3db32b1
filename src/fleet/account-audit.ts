import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pLimit from 'p-limit';
import { resourceName } from '../aws/arn.js';
import { errorMessage, errorName, isNoSuchEntity } from '../aws/errors.js';
import { assumeRole, type MemberAccountClients } from '../aws/fleet-clients.js';
import { listManagedRoles } from '../roles/listing.js';
import { isManagedRoleName } from '../roles/ownership.js';
import { resolveTargets } from '../runtimes/discovery.js';
import { DEFAULTS } from '../settings.js';
import type { FleetAccount } from './accounts.js';
import {
  type MemberSettings,
  MemberStackOutputsError,
  memberSettings,
  REMEDIATED_METRIC,
  STACK_TAG_KEY,
} from './member-stack.js';
import { auditRole, type RoleAudit, type RoleStanding } from './role-audit.js';

/**
 * - healthy: audited, and nothing for a person to do;
 * - unhealthy: audited, with problems (a role without our policy, a role not ours to write, an open alert, a stack
 *   not in a complete state, a part that could not be read);
 * - unreachable: not audited (the audit role or the stack is missing, or the stack does not say how it is set up);
 * - skipped: not an active account.
 */
export type AccountVerdict = 'healthy' | 'unhealthy' | 'unreachable' | 'skipped';

export interface RoleCounts {
  checked: number;
  compliant: number;
  unfixed: number;
  excluded: number;
  untrusted: number;
  atPath: number;
  /** Every role that is neither compliant nor excluded, with why. */
  findings: RoleAudit[];
}

export interface OpenAlert {
  subject: string;
  reason?: string;
  since?: string;
}

/** One member account's row of the fleet report. Parts that could not be read are absent, with a problem saying why. */
export interface AccountReport {
  accountId: string;
  name?: string;
  state: string;
  verdict: AccountVerdict;
  /** Why it is not healthy, one clause each, in the order found. */
  problems: string[];
  stack?: { name: string; status?: string; version?: string };
  roles?: RoleCounts;
  runtimes?: { checked: number; notOurs: number; regions: readonly string[] };
  remediated?: { count: number; days: number };
  openAlerts?: { count: number; alerts: OpenAlert[] };
  durationMs: number;
}

export interface AccountAuditDeps {
  /** The administrator account's STS client: it assumes the audit role in each member. */
  sts: STSClient;
  clientsFor: (credentials: Awaited<ReturnType<typeof assumeRole>>) => MemberAccountClients;
  partition: string;
  auditRoleName: string;
  remediatedWindowDays: number;
  now?: () => Date;
  /** Roles read at once in one account (its IAM quota is its own). */
  roleConcurrency?: number;
}

/** Stack states in which the stack is what its last deployment asked for. */
const SETTLED_STACK_STATES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

export const SESSION_NAME = 'agentcore-guard-fleet';

const describeFailure = (error: unknown) =>
  `${errorName(error) ?? 'Error'}: ${(errorMessage(error).split('\n')[0] ?? '').trim()}`;

/**
 * One account, read-only, through its audit role. Never throws: whatever fails is a problem in the account's row,
 * and what could still be read is reported beside it.
 */
export async function auditAccount(account: FleetAccount, deps: AccountAuditDeps): Promise<AccountReport> {
  const started = performance.now();
  const row = (fields: Omit<AccountReport, 'accountId' | 'name' | 'state' | 'durationMs'>): AccountReport => ({
    accountId: account.accountId,
    ...(account.name ? { name: account.name } : {}),
    state: account.state,
    ...fields,
    durationMs: Math.round(performance.now() - started),
  });
  const unreachable = (problem: string, stack?: AccountReport['stack']) =>
    row({ verdict: 'unreachable', problems: [problem], ...(stack ? { stack } : {}) });

  if (account.state !== 'ACTIVE') return row({ verdict: 'skipped', problems: [`account is ${account.state}`] });
  try {
    const roleArn = `arn:${deps.partition}:iam::${account.accountId}:role/${deps.auditRoleName}`;
    let clients: MemberAccountClients;
    try {
      clients = deps.clientsFor(await assumeRole(deps.sts, roleArn, SESSION_NAME));
    } catch (error) {
      return unreachable(`audit role missing or not trusting this account (${describeFailure(error)})`);
    }
    const stackName = await stackNameOf(clients, deps.auditRoleName);
    if ('problem' in stackName) return unreachable(stackName.problem);

    let stack: NonNullable<AccountReport['stack']>;
    let settings: MemberSettings;
    try {
      const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName.name }));
      const found = Stacks?.[0];
      if (!found) return unreachable(`stack ${stackName.name} not found`);
      stack = { name: stackName.name, status: found.StackStatus };
      settings = memberSettings(stackName.name, found.Outputs ?? []);
      stack.version = settings.version;
    } catch (error) {
      if (error instanceof MemberStackOutputsError) return unreachable(error.message, { name: stackName.name });
      return unreachable(`stack ${stackName.name} not read (${describeFailure(error)})`, { name: stackName.name });
    }

    const problems: string[] = [];
    if (!SETTLED_STACK_STATES.has(stack.status ?? ''))
      problems.push(`stack is ${stack.status ?? 'in an unknown state'}`);
    const [roles, runtimes, openAlerts, remediated] = await Promise.allSettled([
      readRoles(clients, settings, deps.roleConcurrency ?? DEFAULTS.sweepConcurrency),
      readRuntimes(clients, settings),
      readOpenAlerts(clients, settings),
      readRemediated(clients, deps.remediatedWindowDays, (deps.now ?? (() => new Date()))()),
    ]);
    const report = row({ verdict: 'healthy', problems, stack });
    if (roles.status === 'fulfilled') {
      report.roles = roles.value;
      const { unfixed, untrusted, atPath } = roles.value;
      if (unfixed > 0) problems.push(`${unfixed} role(s) without the Code Interpreter policy (a sweep would add it)`);
      if (untrusted + atPath > 0)
        problems.push(`${untrusted + atPath} prefixed role(s) not ours to write (trust, path)`);
    } else problems.push(`roles not read (${describeFailure(roles.reason)})`);
    if (runtimes.status === 'fulfilled') report.runtimes = runtimes.value;
    else problems.push(`runtimes not read (${describeFailure(runtimes.reason)})`);
    if (openAlerts.status === 'fulfilled') {
      report.openAlerts = openAlerts.value;
      if (openAlerts.value.count > 0) problems.push(`${openAlerts.value.count} open alert(s)`);
    } else problems.push(`alerts not read (${describeFailure(openAlerts.reason)})`);
    if (remediated.status === 'fulfilled') report.remediated = remediated.value;
    else problems.push(`remediations not counted (${describeFailure(remediated.reason)})`);
    report.verdict = problems.length > 0 ? 'unhealthy' : 'healthy';
    report.durationMs = Math.round(performance.now() - started);
    return report;
  } catch (error) {
    return unreachable(`not audited (${describeFailure(error)})`);
  }
}

/** The audit role's own tag names its stack; a role without it was not made by the stack. */
async function stackNameOf(
  clients: MemberAccountClients,
  auditRoleName: string,
): Promise<{ name: string } | { problem: string }> {
  try {
    const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: auditRoleName }));
    const name = Role?.Tags?.find((t) => t.Key === STACK_TAG_KEY)?.Value;
    return name
      ? { name }
      : { problem: `audit role ${auditRoleName} has no ${STACK_TAG_KEY} tag (not made by the agentcore-guard stack)` };
  } catch (error) {
    if (isNoSuchEntity(error)) return { problem: `audit role missing (${describeFailure(error)})` };
    return { problem: `audit role not readable (${describeFailure(error)})` };
  }
}

const STANDING_COUNT: Record<RoleStanding, keyof Omit<RoleCounts, 'checked' | 'findings'> | undefined> = {
  compliant: 'compliant',
  unfixed: 'unfixed',
  excluded: 'excluded',
  untrusted: 'untrusted',
  'at-path': 'atPath',
  gone: undefined,
};

async function readRoles(
  clients: MemberAccountClients,
  settings: MemberSettings,
  concurrency: number,
): Promise<RoleCounts> {
  const { roles } = await listManagedRoles(clients.iam, settings.rolePrefixes);
  const limit = pLimit(concurrency);
  // The listing describes every role it returns (name, ARN, path, trust policy).
  const described = roles.flatMap((ref) => (ref.described ? [ref.described] : []));
  const audits = await Promise.all(described.map((role) => limit(() => auditRole(role, clients.iam, settings))));
  const counts: RoleCounts = {
    checked: 0,
    compliant: 0,
    unfixed: 0,
    excluded: 0,
    untrusted: 0,
    atPath: 0,
    findings: [],
  };
  for (const audit of audits) {
    const key = STANDING_COUNT[audit.standing];
    if (!key) continue;
    counts.checked += 1;
    counts[key] += 1;
    if (audit.standing !== 'compliant' && audit.standing !== 'excluded') counts.findings.push(audit);
  }
  return counts;
}

/** The runtimes the health check would find, in the account's regions; "not ours": their role has none of its prefixes. */
async function readRuntimes(clients: MemberAccountClients, settings: MemberSettings) {
  const targets = await resolveTargets(
    { agentRuntimeArns: [], discoveryRegions: settings.agentRegions },
    { controlClientFor: (region) => clients.controlPlane(region) },
  );
  const notOurs = targets.filter(
    (t) => t.roleArn !== undefined && !isManagedRoleName(resourceName(t.roleArn), settings.rolePrefixes),
  ).length;
  return { checked: targets.length, notOurs, regions: settings.agentRegions };
}

/** Rows of the alert state whose last announcement was "failing": what the account's people were told is wrong. */
async function readOpenAlerts(clients: MemberAccountClients, settings: MemberSettings) {
  if (!settings.alertStateTable) throw new Error('the stack names no alert-state table');
  const alerts: OpenAlert[] = [];
  for await (const page of paginateScan(
    { client: clients.dynamoDb },
    {
      TableName: settings.alertStateTable,
      FilterExpression: '#status = :failing',
      ProjectionExpression: '#subject, #reason, #since',
      ExpressionAttributeNames: { '#status': 'status', '#subject': 'subject', '#reason': 'reason', '#since': 'since' },
      ExpressionAttributeValues: { ':failing': { S: 'failing' } },
    },
  )) {
    for (const item of page.Items ?? []) {
      const { subject, reason, since } = unmarshall(item) as OpenAlert;
      alerts.push({ subject, ...(reason ? { reason } : {}), ...(since ? { since } : {}) });
    }
  }
  alerts.sort((a, b) => a.subject.localeCompare(b.subject));
  return { count: alerts.length, alerts };
}

/** What the account's functions counted as remediated in the window (one data point covering all of it). */
async function readRemediated(clients: MemberAccountClients, days: number, now: Date) {
  const { Datapoints } = await clients.cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: REMEDIATED_METRIC.namespace,
      MetricName: REMEDIATED_METRIC.metricName,
      Dimensions: Object.entries(REMEDIATED_METRIC.dimensions).map(([Name, Value]) => ({ Name, Value })),
      StartTime: new Date(now.getTime() - days * 86_400_000),
      EndTime: now,
      Period: days * 86_400,
      Statistics: ['Sum'],
    }),
  );
  const count = (Datapoints ?? []).reduce((sum, point) => sum + (point.Sum ?? 0), 0);
  return { count, days };
}
