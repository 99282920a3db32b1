import { type Command, Option } from 'commander';
import type { SettingFlagNames } from './context.js';

// Flags that more than one command declares, and what a command's action needs to know of its declaration: here so
// that a declaration (commands/) and its action (actions/, loaded when the command runs) never import each other.

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

/** `policy`: only partition and account shape the document; this stands in when no role is named. */
export const EXAMPLE_ROLE_ARN = 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-example';
