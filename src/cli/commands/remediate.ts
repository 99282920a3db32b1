import { type Command, Option } from 'commander';
import { ensureCodeInterpreterPolicy } from '../../remediation/ensure.js';
import type { RemediationOutcome } from '../../remediation/outcome.js';
import { type CliContext, overridesFrom, type SettingFlagNames, type SettingFlags } from '../context.js';
import { describeOutcome } from '../outcomes.js';
import { EXIT, type ExitCode, jsonOption, UsageError, writeJson, writeLine } from '../output.js';

/** Options shared by `remediate` and `sweep`: the Lambdas' settings, as flags. */
export function addSettingOptions(command: Command): Command {
  return command
    .option('--dry-run', 'report what would change and how, write nothing')
    .option('--prefixes <list>', 'comma-separated role-name prefixes we may write to (default: ROLE_PREFIXES)')
    .option('--profile <profile>', 'policy profile: least-privilege or seed (default: POLICY_PROFILE)')
    .option('--policy-name <name>', 'inline policy name (default: POLICY_NAME or CodeInterpreterAccess)')
    .addOption(customInterpretersOption())
    .addOption(noCustomInterpretersOption());
}

/**
 * `--custom-interpreters`: grant the account's own interpreters too, as the stack's customInterpreters does; off by
 * default, because code in a custom interpreter runs with that interpreter's role.
 */
export function customInterpretersOption(): Option {
  return new Option(
    '--custom-interpreters',
    "least-privilege also grants this account's own (custom) Code Interpreters (default: CUSTOM_INTERPRETERS or off)",
  );
}

/** Overrides CUSTOM_INTERPRETERS=true from the environment for one run. */
export function noCustomInterpretersOption(): Option {
  return new Option('--no-custom-interpreters', 'grant only the AWS-managed Code Interpreters');
}

/** The flags `addSettingOptions` adds, by the setting each overrides. */
export const SETTING_FLAG_NAMES: SettingFlagNames = {
  ROLE_PREFIXES: '--prefixes',
  POLICY_PROFILE: '--profile',
  POLICY_NAME: '--policy-name',
  DRY_RUN: '--dry-run',
  CUSTOM_INTERPRETERS: '--custom-interpreters',
};

function exitCodeFor(outcome: RemediationOutcome): ExitCode {
  return outcome.status === 'would-remediate' || outcome.status === 'untrusted' || outcome.status === 'unsupported-path'
    ? EXIT.findings
    : EXIT.ok;
}

export function register(program: Command, ctx: CliContext): void {
  addSettingOptions(
    program
      .command('remediate')
      .description('give one role the Code Interpreter policy, exactly as the Lambda does')
      .requiredOption('--role <name>', 'IAM role name'),
  )
    .addOption(jsonOption())
    .action(async (flags: SettingFlags & { role: string; json?: boolean }) => {
      // A person names an existing role: no need to wait out IAM's eventual consistency after CreateRole.
      const settings = { ...ctx.config(overridesFrom(flags), SETTING_FLAG_NAMES), roleNotFoundRetryMs: 0 };
      const outcome = await ensureCodeInterpreterPolicy(
        { roleName: flags.role },
        { iam: ctx.clients.iam(settings), settings },
      );
      if (outcome.status === 'ignored') {
        throw new UsageError(
          `Role ${flags.role} has none of the prefixes ${settings.rolePrefixes.join(', ')}; ` +
            'pass --prefixes (or set ROLE_PREFIXES) to include it.',
        );
      }
      if (outcome.status === 'role-not-found') {
        throw new UsageError(
          `Role ${flags.role} does not exist in this account; list roles with \`aws iam list-roles\`.`,
        );
      }
      ctx.exit(exitCodeFor(outcome));
      if (flags.json) writeJson(ctx.io, outcome);
      else writeLine(ctx.io.stdout, describeOutcome(outcome));
    });
}
