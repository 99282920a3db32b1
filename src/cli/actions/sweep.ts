import { type SweepProgress, type SweepResult, sweepRoles } from '../../remediation/sweep.js';
import { type CliContext, overridesFrom, type SettingFlags } from '../context.js';
import { SETTING_FLAG_NAMES } from '../flags.js';
import { untilDoneOrInterrupted } from '../interrupt.js';
import { renderSweep } from '../outcomes.js';
import { type CliIO, EXIT, writeJson, writeLine } from '../output.js';
import { terminalBar } from '../progress-bar.js';

export interface SweepFlags extends SettingFlags {
  concurrency?: string;
  json?: boolean;
}

/** A bar on a terminal; one plain line per role otherwise (logs, CI); nothing with --json. */
function progressReporter(io: CliIO, json: boolean): { onProgress: (p: SweepProgress) => void; stop: () => void } {
  if (json) return { onProgress: () => undefined, stop: () => undefined };
  if (io.isTTY) {
    const bar = terminalBar(
      io,
      'Sweeping roles [{bar}] {value}/{total} | {percentage}% | {failed} failed | ETA {eta}s',
    );
    let failed = 0;
    return {
      onProgress: (p) => {
        if (p.kind === 'listed') bar.start(p.matched, 0, { failed });
        else {
          if (p.kind === 'failure') failed += 1;
          bar.update(p.done, { failed });
        }
      },
      stop: () => bar.stop(),
    };
  }
  return {
    onProgress: (p) => {
      if (p.kind === 'listed') writeLine(io.stderr, `listed ${p.scanned} roles, ${p.matched} with a configured prefix`);
      if (p.kind === 'outcome')
        writeLine(io.stderr, `[${p.done}/${p.total}] ${p.outcome.status} ${p.outcome.roleName}`);
      if (p.kind === 'failure') {
        writeLine(io.stderr, `[${p.done}/${p.total}] failed ${p.failure.roleName}: ${p.failure.error}`);
      }
    },
    stop: () => undefined,
  };
}

/** What the sweep has done so far, kept from its progress reports so an interruption can still print it. */
function recordProgress() {
  const results: SweepResult[] = [];
  let listed: { scanned: number; matched: number } | undefined;
  return {
    onProgress(p: SweepProgress) {
      if (p.kind === 'listed') listed = { scanned: p.scanned, matched: p.matched };
      if (p.kind === 'outcome') results.push(p.outcome);
      if (p.kind === 'failure') results.push({ status: 'failed', ...p.failure });
    },
    get results(): readonly SweepResult[] {
      return results;
    },
    get listed() {
      return listed;
    },
  };
}

export async function runSweep(ctx: CliContext, flags: SweepFlags): Promise<void> {
  const settings = ctx.config(
    { ...overridesFrom(flags), SWEEP_CONCURRENCY: flags.concurrency },
    { ...SETTING_FLAG_NAMES, SWEEP_CONCURRENCY: '--concurrency' },
  );
  const iam = await ctx.clients.iam(settings);
  const json = flags.json === true;
  const progress = progressReporter(ctx.io, json);
  const record = recordProgress();
  const started = performance.now();
  const sweep = sweepRoles({
    iam,
    settings,
    concurrency: settings.sweepConcurrency,
    onProgress: (p) => {
      record.onProgress(p);
      progress.onProgress(p);
    },
  });
  const finished = await untilDoneOrInterrupted(ctx.io.signals, sweep, () => progress.stop());

  if ('signal' in finished) {
    const { signal } = finished;
    ctx.exit(finished.exitCode);
    const durationMs = Math.round(performance.now() - started);
    const done = record.results;
    const of = record.listed ? ` of ${record.listed.matched}` : '';
    const unsure = settings.dryRun
      ? 'Nothing was written (dry run).'
      : 'A role being written at that moment may or may not have been; run the sweep again to finish: it writes only what is missing.';
    writeLine(ctx.io.stderr, `agentcore-guard: interrupted by ${signal} after ${done.length}${of} roles. ${unsure}`);
    if (json) {
      writeJson(ctx.io, {
        interrupted: signal,
        dryRun: settings.dryRun,
        ...record.listed,
        durationMs,
        results: done,
      });
    } else {
      writeLine(ctx.io.stdout, renderSweep({ dryRun: settings.dryRun, ...record.listed, durationMs, results: done }));
    }
    return;
  }

  const { result: summary } = finished;
  const pending = settings.dryRun && summary.counts['would-remediate'] > 0;
  ctx.exit(summary.failed > 0 || pending ? EXIT.findings : EXIT.ok);
  if (json) writeJson(ctx.io, { dryRun: settings.dryRun, ...summary });
  else writeLine(ctx.io.stdout, renderSweep({ dryRun: settings.dryRun, ...summary }));
}
