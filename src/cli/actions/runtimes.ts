import { parseRoleArn } from '../../aws/arn.js';
import { errorName } from '../../aws/errors.js';
import {
  type RuntimeSurvey,
  type SurveyedRegion,
  type SurveyedRuntime,
  type SurveyProgress,
  surveyRuntimeRoles,
} from '../../runtime-roles/survey.js';
import { DEFAULTS } from '../../settings.js';
import { callerAccount } from '../account.js';
import type { CliContext } from '../context.js';
import { untilDoneOrInterrupted } from '../interrupt.js';
import { type CliIO, describeError, EXIT, renderTable, UsageError, writeJson, writeLine } from '../output.js';
import { terminalBar } from '../progress-bar.js';

export interface RuntimesFlags {
  region: string[];
  json?: boolean;
}

/** A bar across regions and runtimes on a terminal; one plain line per region and runtime otherwise; nothing with --json. */
function progressReporter(io: CliIO, json: boolean, regionCount: number) {
  let regionsDone = 0;
  let runtimesTotal = 0;
  let runtimesDone = 0;
  let problems = 0;
  const count = (p: SurveyProgress) => {
    if (p.kind === 'region') {
      regionsDone += 1;
      if ('runtimes' in p.result) runtimesTotal += p.result.runtimes;
      else problems += 1;
    } else {
      runtimesDone += 1;
      if (p.kind === 'runtime' && p.runtime.access.verdict !== 'allowed') problems += 1;
    }
  };
  if (json) return { onProgress: count, start: () => undefined, stop: () => undefined };
  if (io.isTTY) {
    const bar = terminalBar(
      io,
      'Checking runtimes [{bar}] {runtimesDone}/{runtimesTotal} runtimes | {regionsDone}/{regionCount} regions | {problems} without access',
    );
    const payload = () => ({ runtimesDone, runtimesTotal, regionsDone, regionCount, problems });
    return {
      // One step per region listed and per runtime checked: the total grows as regions reveal their runtimes.
      start: () => bar.start(regionCount, 0, payload()),
      onProgress: (p: SurveyProgress) => {
        count(p);
        bar.setTotal(regionCount + runtimesTotal);
        bar.update(regionsDone + runtimesDone, payload());
      },
      stop: () => bar.stop(),
    };
  }
  return {
    start: () => undefined,
    onProgress: (p: SurveyProgress) => {
      count(p);
      if (p.kind === 'region') {
        const { result } = p;
        writeLine(
          io.stderr,
          'runtimes' in result
            ? `listed ${result.region}: ${result.runtimes} runtime${result.runtimes === 1 ? '' : 's'}`
            : `could not list ${result.region}: ${regionProblem(result)}`,
        );
      } else {
        const { runtime } = p;
        const what = p.kind === 'runtime' ? p.runtime.access.verdict : 'gone (deleted since it was listed)';
        writeLine(
          io.stderr,
          `[${runtimesDone}/${runtimesTotal}] ${what} ${runtime.agentRuntimeName} (${runtime.region})`,
        );
      }
    },
    stop: () => undefined,
  };
}

/** What the survey has found so far, kept from its progress reports so an interruption can still print it. */
function recordProgress() {
  const regions: SurveyedRegion[] = [];
  const runtimes: SurveyedRuntime[] = [];
  return {
    onProgress(p: SurveyProgress) {
      if (p.kind === 'region') regions.push(p.result);
      if (p.kind === 'runtime') runtimes.push(p.runtime);
    },
    get survey(): RuntimeSurvey {
      return { regions, runtimes };
    },
  };
}

export async function runRuntimes(ctx: CliContext, flags: RuntimesFlags, cli: string): Promise<void> {
  const given = flags.region.length > 0 ? flags.region.join(',') : undefined;
  if (given !== undefined && given.replace(/[\s,]/g, '') === '') {
    throw new UsageError('--region "" is not valid: expected comma-separated AWS regions such as us-east-1,eu-west-1.');
  }
  const config = ctx.config({ AGENT_REGIONS: given }, { AGENT_REGIONS: '--region' });
  const regions = config.health.discoveryRegions;
  const json = flags.json === true;
  // Before anything is listed: no credentials, or an endpoint that cannot be reached, is one error, not a row per region.
  const account = await callerAccount(ctx, config.region);
  const iam = await ctx.clients.iam(config);
  const controlClientFor = await ctx.clients.agentCoreControl();

  const progress = progressReporter(ctx.io, json, regions.length);
  const record = recordProgress();
  const started = performance.now();
  progress.start();
  const survey = surveyRuntimeRoles(regions, {
    iam,
    account,
    rolePrefixes: config.rolePrefixes,
    mode: 'auto',
    controlClientFor,
    concurrency: DEFAULTS.healthConcurrency,
    onProgress: (p) => {
      record.onProgress(p);
      progress.onProgress(p);
    },
  });
  const finished = await untilDoneOrInterrupted(ctx.io.signals, survey, () => progress.stop());
  const durationMs = Math.round(performance.now() - started);

  if ('signal' in finished) {
    const { signal } = finished;
    ctx.exit(finished.exitCode);
    const { runtimes } = record.survey;
    writeLine(
      ctx.io.stderr,
      `agentcore-guard: interrupted by ${signal} after ${runtimes.length} runtime${runtimes.length === 1 ? '' : 's'}. Nothing was written: this command only reads.`,
    );
    if (json) writeJson(ctx.io, { interrupted: signal, ...surveyJson(record.survey, durationMs) });
    else writeLine(ctx.io.stdout, renderSurvey(record.survey, cli));
    return;
  }

  const { result } = finished;
  const allGood =
    result.regions.every((r) => 'runtimes' in r) && result.runtimes.every((r) => r.access.verdict === 'allowed');
  ctx.exit(allGood ? EXIT.ok : EXIT.findings);
  if (json) writeJson(ctx.io, surveyJson(result, durationMs));
  else writeLine(ctx.io.stdout, renderSurvey(result, cli));
}

/**
 * Why a region could not be listed, for a person. Two answers mean something else for one region among others than
 * for the whole command: a token refused there (an opt-in region not enabled for the account), and a host name that
 * does not resolve (AgentCore not offered there).
 */
function regionProblem(failed: Extract<SurveyedRegion, { error: string }>): string {
  const { cause, region } = failed;
  const name = errorName(cause) ?? '';
  const code =
    (cause as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ??
    (cause as { cause?: { code?: unknown } })?.cause?.code;
  if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId') {
    return `${region} refused the credentials (${name}: ${failed.error}): the region may not be enabled for this account (enable opt-in regions first), or these credentials are not valid there.`;
  }
  if (code === 'ENOTFOUND' || /\bENOTFOUND\b/.test(failed.error)) {
    return `no AgentCore endpoint resolves for ${region} (ENOTFOUND): AgentCore may not be offered there; drop the region or check the network.`;
  }
  return describeError(cause).message;
}

const roleNameOf = (runtime: SurveyedRuntime): string | undefined => {
  if (!runtime.roleArn) return undefined;
  try {
    return parseRoleArn(runtime.roleArn).roleName;
  } catch {
    return undefined;
  }
};

function counts(runtimes: readonly SurveyedRuntime[]) {
  const tally = { allowed: 0, denied: 0, undetermined: 0 };
  for (const r of runtimes) tally[r.access.verdict] += 1;
  return tally;
}

/** The document of docs/cli-json.md: regions as listed or failed, one entry per runtime, counts. */
function surveyJson(survey: RuntimeSurvey, durationMs: number) {
  return {
    regions: survey.regions.map((r) =>
      'runtimes' in r ? r : { region: r.region, error: r.error, ...(r.errorName ? { errorName: r.errorName } : {}) },
    ),
    runtimes: survey.runtimes.map((r) => {
      const roleName = roleNameOf(r);
      return { ...r, ...(roleName ? { roleName } : {}) };
    }),
    counts: counts(survey.runtimes),
    failedRegions: survey.regions.filter((r) => !('runtimes' in r)).length,
    durationMs,
  };
}

const OWNERSHIP_LABEL: Record<string, string> = {
  'no-prefix': 'no (no prefix)',
  'unsupported-path': 'no (at a path)',
  untrusted: 'no (untrusted)',
  'other-account': 'no (other account)',
  'role-not-found': 'no (no such role)',
};

function oursLabel(runtime: SurveyedRuntime): string {
  const { ownership } = runtime;
  if (!ownership) return '?';
  if (ownership.ours) return runtime.excluded ? 'yes (excluded)' : 'yes';
  return OWNERSHIP_LABEL[ownership.because] ?? 'no';
}

/**
 * The survey for a person: one row per runtime (and per region that could not be listed), then what each problem
 * is and what to do, then a line of counts.
 */
function renderSurvey(survey: RuntimeSurvey, cli: string): string {
  const failedRegions = survey.regions.filter((r): r is Extract<SurveyedRegion, { error: string }> => 'error' in r);
  const rows = [
    ...survey.runtimes.map((r) => [
      r.agentRuntimeName,
      r.region,
      r.status ?? '?',
      roleNameOf(r) ?? r.roleArn ?? '?',
      oursLabel(r),
      r.access.verdict,
    ]),
    ...failedRegions.map((r) => ['(could not list)', r.region, '', '', '', 'unknown']),
  ];
  const lines: string[] = [];
  if (rows.length === 0) {
    lines.push(`No runtimes in ${survey.regions.map((r) => r.region).join(', ')}.`);
  } else {
    lines.push(renderTable(['Runtime', 'Region', 'Status', 'Execution role', 'Ours', 'Code Interpreter'], rows));
  }

  const problems = survey.runtimes.filter((r) => r.access.verdict !== 'allowed');
  if (problems.length > 0 || failedRegions.length > 0) {
    lines.push('', 'To look at:');
    for (const r of problems) lines.push(`  ${r.agentRuntimeName} (${r.region}): ${problemLine(r, cli)}`);
    for (const r of failedRegions) {
      lines.push(`  ${r.region}: its runtimes could not be listed: ${regionProblem(r)}`);
    }
  }
  const notOurs = survey.runtimes.filter((r) => r.ownership && !r.ownership.ours && r.access.verdict === 'allowed');
  if (notOurs.length > 0) {
    lines.push('', 'Can use the Code Interpreter, but their role is not ours (never written to):');
    for (const r of notOurs) {
      if (r.ownership && !r.ownership.ours) lines.push(`  ${r.agentRuntimeName} (${r.region}): ${r.ownership.reason}`);
    }
  }

  const tally = counts(survey.runtimes);
  const n = survey.runtimes.length;
  const listed = survey.regions.length - failedRegions.length;
  lines.push(
    '',
    `${n} runtime${n === 1 ? '' : 's'} in ${listed} region${listed === 1 ? '' : 's'}: ${tally.allowed} can use the ` +
      `Code Interpreter, ${tally.denied} cannot, ${tally.undetermined} undetermined` +
      (failedRegions.length > 0
        ? `; ${failedRegions.length} region${failedRegions.length === 1 ? '' : 's'} could not be listed.`
        : '.'),
  );
  return lines.join('\n');
}

/** What is wrong with one runtime's access, why, and the next step. */
function problemLine(r: SurveyedRuntime, cli: string): string {
  const { access, ownership } = r;
  const what =
    access.verdict === 'denied'
      ? `cannot use the Code Interpreter (not allowed ${access.missing.join(', ')}${access.explicitDeny ? '; an explicit Deny' : ''})`
      : access.verdict === 'undetermined'
        ? `unknown whether it can use the Code Interpreter: ${access.reason}`
        : '';
  const whose = !ownership
    ? ''
    : ownership.ours
      ? r.excluded
        ? '; its role is ours but tagged agentcore-guard:exclude=true'
        : '; its role is ours'
      : `; its role is not ours: ${ownership.reason}${r.stackName ? `, made by stack ${r.stackName}` : ''}`;
  const next =
    ownership?.ours && !r.excluded && access.verdict === 'denied' && !access.explicitDeny
      ? ` Fix: ${cli} remediate --role ${roleNameOf(r)}`
      : access.verdict === 'denied' || ownership?.ours === false
        ? ` Fix: ${cli} check --runtime ${r.agentRuntimeArn}`
        : '';
  return `${what}${whose}.${next}`;
}
