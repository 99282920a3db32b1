import type { Command } from 'commander';
import { DEFAULTS, SWEEP_CONCURRENCY_MAX } from '../../settings.js';
import type { SweepFlags } from '../actions/sweep.js';
import type { CliContext } from '../context.js';
import { addSettingOptions } from '../flags.js';
import { jsonOption } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  addSettingOptions(
    program
      .command('sweep')
      .description(
        'check every role with a configured prefix and fix those without the policy, like the scheduled Lambda',
      ),
  )
    .option(
      '--concurrency <n>',
      `roles handled at once, 1 to ${SWEEP_CONCURRENCY_MAX} (default: SWEEP_CONCURRENCY or ${DEFAULTS.sweepConcurrency})`,
    )
    .addOption(jsonOption())
    .action(async (flags: SweepFlags) => {
      const { runSweep } = await import('../actions/sweep.js');
      await runSweep(ctx, flags);
    });
}
