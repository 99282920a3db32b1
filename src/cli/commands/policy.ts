import type { Command } from 'commander';
import type { PolicyFlags } from '../actions/policy.js';
import type { CliContext } from '../context.js';
import { customInterpretersOption, EXAMPLE_ROLE_ARN, noCustomInterpretersOption } from '../flags.js';
import { jsonOption } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('policy')
    .description('show the inline policy agentcore-guard writes, its lint findings and its size')
    .option(
      '--profile <profile>',
      'policy profile: least-privilege or seed (default: POLICY_PROFILE or least-privilege)',
    )
    .option('--policy-name <name>', 'inline policy name (default: POLICY_NAME or CodeInterpreterAccess)')
    .option('--role-arn <arn>', "build the document for this role's partition and account", EXAMPLE_ROLE_ARN)
    .addOption(customInterpretersOption())
    .addOption(noCustomInterpretersOption())
    .addOption(jsonOption())
    .action(async (flags: PolicyFlags) => {
      const { runPolicy } = await import('../actions/policy.js');
      await runPolicy(ctx, flags, program.name());
    });
}
