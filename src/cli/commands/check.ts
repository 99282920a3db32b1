import { type Command, Option } from 'commander';
import type { CheckFlags } from '../actions/check.js';
import type { CliContext } from '../context.js';
import { jsonOption } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description(
      "can this role, or the role this runtime runs as, use the Code Interpreter? Each action's decision, the " +
        'statement behind it, whether the role is ours, and the fix',
    )
    .addOption(new Option('--role <name>', 'IAM role name').conflicts('runtime'))
    .option('--runtime <arn>', 'agent runtime ARN: check the role it runs as, in its region')
    .option('--offline', "evaluate the role's policies locally instead of asking IAM's policy simulator")
    .addOption(
      new Option(
        '--region <region>',
        'region of the AWS-managed interpreter to check (default: AWS_REGION or us-east-1)',
      ).conflicts('runtime'),
    )
    .addOption(jsonOption())
    .action(async (flags: CheckFlags) => {
      const { runCheck } = await import('../actions/check.js');
      await runCheck(ctx, flags, program.name());
    });
}
