import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parse } from '@aws-sdk/util-arn-parser';
import { errorMessage, errorName } from '../../aws/errors.js';
import { type AccountReport, auditAccount } from '../../fleet/account-audit.js';
import { type FleetAccount, listFleetAccounts } from '../../fleet/accounts.js';
import { type FleetProgress, type FleetReport, runFleetReport, summarise } from '../../fleet/report.js';
import { ORGANIZATION_PARENT_PATTERN, SETTINGS, type SettingName, type SettingValue } from '../../settings.js';
import type { CliContext } from '../context.js';
import { untilDoneOrInterrupted } from '../interrupt.js';
import { type CliIO, EXIT, renderTable, UsageError, writeJson, writeLine } from '../output.js';
import { terminalBar } from '../progress-bar.js';

export interface FleetFlags {
  ou?: string;
  roleName?: string;
  concurrency?: string;
  days?: string;
  json?: boolean;
}

/** A flag's value by its setting's rule (the environment variable, then the default, when it is not given). */
function flagSetting<N extends SettingName>(
  name: N,
  flag: string,
  value: string | undefined,
  env: NodeJS.ProcessEnv,
): SettingValue<N> {
  const setting = SETTINGS[name];
  const fromEnv = setting.env ? env[setting.env] : undefined;
  const raw = value ?? fromEnv;
  const reading = setting.read(raw);
  if (reading.ok) return reading.value as SettingValue<N>;
  const source = value !== undefined ? flag : `${setting.env}=${JSON.stringify(fromEnv)} (or ${flag})`;
  throw new UsageError(`${source} "${raw}" is not valid: expected ${reading.expected}.`);
}

/** A bar on a terminal; one plain line per account otherwise (logs, CI); nothing with --json. */
function progressReporter(io: CliIO, json: boolean, total: number) {
  if (json) return { onProgress: () => undefined, stop: () => undefined };
  if (io.isTTY) {
    const bar = terminalBar(
      io,
      'Auditing accounts [{bar}] {value}/{total} | {percentage}% | {unhealthy} not healthy | ETA {eta}s',
    );
    let unhealthy = 0;
    bar.start(total, 0, { unhealthy });
    return {
      onProgress: (p: FleetProgress) => {
        if (p.report.verdict === 'unhealthy' || p.report.verdict === 'unreachable') unhealthy += 1;
        bar.update(p.done, { unhealthy });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    onProgress: (p: FleetProgress) =>
      writeLine(io.stderr, `[${p.done}/${p.total}] ${p.report.accountId} ${p.report.verdict}`),
    stop: () => undefined,
  };
}

const count = (value: number | undefined) => (value === undefined ? '-' : String(value));

/** One row per account, then a line of totals. */
export function renderFleet(report: FleetReport, windowDays: number): string {
  const rows = report.accounts.map((a: AccountReport) => [
    a.accountId,
    a.name ?? '',
    a.stack?.status ?? '-',
    a.stack?.version ?? '-',
    count(a.roles?.checked),
    count(a.roles?.compliant),
    count(a.roles?.unfixed),
    count(a.roles ? a.roles.untrusted + a.roles.atPath : undefined),
    count(a.runtimes?.checked),
    count(a.runtimes?.notOurs),
    count(a.remediated?.count),
    count(a.openAlerts?.count),
    a.problems.length > 0 ? `${a.verdict}: ${a.problems.join('; ')}` : a.verdict,
  ]);
  const table = renderTable(
    [
      'ACCOUNT',
      'NAME',
      'STACK',
      'VERSION',
      'ROLES',
      'COMPLIANT',
      'UNFIXED',
      'UNTRUSTED',
      'RUNTIMES',
      'NOT OURS',
      `REMEDIATED ${windowDays}D`,
      'OPEN ALERTS',
      'STATUS',
    ],
    rows,
  );
  const { counts } = report;
  const totals =
    `${counts.accounts} account(s): ${counts.healthy} healthy, ${counts.unhealthy} unhealthy, ` +
    `${counts.unreachable} unreachable, ${counts.skipped} skipped (${(report.durationMs / 1000).toFixed(1)} s).`;
  return `${table}\n\n${totals}`;
}

/** Organizations' answers that mean the command was pointed at the wrong place, said with what to do. */
function listingError(error: unknown, ou: string | undefined): Error {
  const name = errorName(error) ?? '';
  if (name === 'AWSOrganizationsNotInUseException') {
    return new UsageError(
      `This account is not in an organization (${name}). Run the fleet report from the organization's management or delegated administrator account.`,
    );
  }
  if (name === 'ParentNotFoundException' || name === 'TargetNotFoundException') {
    return new UsageError(
      `--ou ${ou} is not a root or organizational unit of this organization (${name}). List them with \`aws organizations list-roots\` and \`aws organizations list-organizational-units-for-parent\`.`,
    );
  }
  if (/^AccessDenied/.test(name)) {
    return new UsageError(
      `This identity may not list the organization's accounts (${errorMessage(error).split('\n')[0]}). Run the report from the management account or a delegated administrator, with organizations:ListAccounts (and ListAccountsForParent, ListOrganizationalUnitsForParent for --ou).`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

export async function runFleet(ctx: CliContext, flags: FleetFlags): Promise<void> {
  const env = ctx.io.env ?? process.env;
  if (flags.ou !== undefined && !ORGANIZATION_PARENT_PATTERN.test(flags.ou)) {
    throw new UsageError(`--ou "${flags.ou}" is not valid: expected an OU id (ou-…) or a root id (r-…).`);
  }
  const auditRoleName = flagSetting('auditRoleName', '--role-name', flags.roleName, env);
  const concurrency = flagSetting('fleetConcurrency', '--concurrency', flags.concurrency, env);
  const days = flagSetting('remediatedWindowDays', '--days', flags.days, env);
  const config = ctx.config();
  const json = flags.json === true;

  const sts = await ctx.clients.sts();
  const { Arn: callerArn = '', Account: administrator } = await sts.send(new GetCallerIdentityCommand({}));
  let accounts: FleetAccount[];
  try {
    accounts = await listFleetAccounts(await ctx.clients.organizations(), flags.ou);
  } catch (error) {
    throw listingError(error, flags.ou);
  }

  const memberAccountClients = await ctx.clients.memberAccount();
  const progress = progressReporter(ctx.io, json, accounts.length);
  const done: AccountReport[] = [];
  const started = performance.now();
  const run = runFleetReport({
    accounts,
    concurrency,
    audit: (account) =>
      auditAccount(account, {
        sts,
        clientsFor: (credentials) => memberAccountClients(credentials, { iamMaxAttempts: config.iamMaxAttempts }),
        partition: parse(callerArn).partition,
        auditRoleName,
        remediatedWindowDays: days,
      }),
    onProgress: (p) => {
      done.push(p.report);
      progress.onProgress(p);
    },
  });
  const finished = await untilDoneOrInterrupted(ctx.io.signals, run, () => progress.stop());

  const header = {
    administratorAccount: administrator,
    organizationalUnit: flags.ou ?? null,
    auditRoleName,
    remediatedWindowDays: days,
  };
  if ('signal' in finished) {
    const { signal } = finished;
    ctx.exit(finished.exitCode);
    writeLine(
      ctx.io.stderr,
      `agentcore-guard: interrupted by ${signal} after ${done.length} of ${accounts.length} accounts; nothing was changed.`,
    );
    const partial = summarise(
      [...done].sort((a, b) => a.accountId.localeCompare(b.accountId)),
      Math.round(performance.now() - started),
    );
    if (json) writeJson(ctx.io, { interrupted: signal, ...header, ...partial });
    else writeLine(ctx.io.stdout, renderFleet(partial, days));
    return;
  }

  const { result: report } = finished;
  ctx.exit(report.healthy ? EXIT.ok : EXIT.findings);
  if (json) writeJson(ctx.io, { ...header, ...report });
  else writeLine(ctx.io.stdout, renderFleet(report, days));
}
