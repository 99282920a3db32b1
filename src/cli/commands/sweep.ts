import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { REMEDIATION_STATUSES } from '../../remediation/outcome.js';
import { type SweepProgress, type SweepSummary, sweepRoles } from '../../remediation/sweep.js';
import { type CliContext, overridesFrom, type SettingFlags } from '../context.js';
import { type CliIO, EXIT, jsonOption, positiveIntegerFlag, renderTable, writeJson, writeLine } from '../output.js';
import { addSettingOptions } from './remediate.js';

interface SweepFlags extends SettingFlags {
  concurrency?: string;
  json?: boolean;
}

/** A bar on a terminal; one plain line per role otherwise (logs, CI); nothing with --json. */
function progressReporter(io: CliIO, json: boolean): { onProgress: (p: SweepProgress) => void; stop: () => void } {
  if (json) return { onProgress: () => undefined, stop: () => undefined };
  if (io.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.stderr,
        format: 'Sweeping roles [{bar}] {value}/{total} | {percentage}% | {failed} failed | ETA {eta}s',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
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

export function renderSummary(summary: SweepSummary): string {
  const rows = [...REMEDIATION_STATUSES.map((s) => [s, String(summary.counts[s])]), ['failed', String(summary.failed)]];
  const lines = [
    `Scanned ${summary.scanned} roles, ${summary.matched} with a configured prefix, in ${(summary.durationMs / 1000).toFixed(1)} s.`,
    '',
    renderTable(['Outcome', 'Roles'], rows),
  ];
  if (summary.failures.length > 0) {
    lines.push('', 'Failures:', ...summary.failures.map((f) => `  ${f.roleName}: ${f.error}`));
  }
  return lines.join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  addSettingOptions(
    program
      .command('sweep')
      .description(
        'check every role with a configured prefix and fix those without the policy, like the scheduled Lambda',
      ),
  )
    .option('--concurrency <n>', 'roles handled at once (default: SWEEP_CONCURRENCY or 4)')
    .addOption(jsonOption())
    .action(async (flags: SweepFlags) => {
      const settings = ctx.config(overridesFrom(flags));
      const concurrency =
        flags.concurrency === undefined
          ? settings.sweepConcurrency
          : positiveIntegerFlag('--concurrency', flags.concurrency);
      const progress = progressReporter(ctx.io, flags.json === true);
      let summary: SweepSummary;
      try {
        summary = await sweepRoles({
          iam: ctx.clients.iam(settings),
          settings,
          concurrency,
          onProgress: progress.onProgress,
        });
      } finally {
        progress.stop();
      }
      const pending = settings.dryRun && summary.counts['would-remediate'] > 0;
      ctx.exit(summary.failed > 0 || pending ? EXIT.findings : EXIT.ok);
      if (flags.json) writeJson(ctx.io, { dryRun: settings.dryRun, ...summary });
      else writeLine(ctx.io.stdout, renderSummary(summary));
    });
}
