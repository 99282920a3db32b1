import type { Command } from 'commander';
import type { RemediateFlags } from '../actions/remediate.js';
import type { CliContext } from '../context.js';
import { addSettingOptions } from '../flags.js';
import { jsonOption } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  addSettingOptions(
    program
      .command('remediate')
      .description('give one role the Code Interpreter policy, exactly as the Lambda does')
      .requiredOption('--role <name>', 'IAM role name'),
  )
    .addOption(jsonOption())
    .action(async (flags: RemediateFlags) => {
      const { runRemediate } = await import('../actions/remediate.js');
      await runRemediate(ctx, flags);
    });
}
