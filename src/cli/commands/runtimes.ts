import type { Command } from 'commander';
import type { RuntimesFlags } from '../actions/runtimes.js';
import type { CliContext } from '../context.js';
import { jsonOption } from '../output.js';

/** `--region a,b --region c` → `a,b,c`. */
const collectRegions = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command, ctx: CliContext): void {
  program
    .command('runtimes')
    .description(
      'list every AgentCore runtime with the role it runs as, whether that role is ours, and whether it can use ' +
        'the Code Interpreter (reads only)',
    )
    .option(
      '--region <regions>',
      'regions to list, comma-separated or repeated (default: AGENT_REGIONS, else AWS_REGION)',
      collectRegions,
      [],
    )
    .addOption(jsonOption())
    .action(async (flags: RuntimesFlags) => {
      const { runRuntimes } = await import('../actions/runtimes.js');
      await runRuntimes(ctx, flags, program.name());
    });
}
