import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { loadSharedConfigFiles } from '@smithy/core/config';
import {
  createCloudTrailClient,
  createEventBridgeClient,
  createIamClient,
  createSnsClient,
  createStsClient,
} from '../aws/clients.js';
import { type Config, type ConfigEnvName, ConfigError, loadConfig, loadConfigWithOverrides } from '../config.js';
import { type CliIO, type ErrorContext, type ExitCode, UsageError } from './output.js';

/** Flag values that override the environment's settings (undefined: keep the environment's). */
export type SettingOverrides = Partial<Record<ConfigEnvName, string | undefined>>;

/** The flag a command has for a setting, e.g. `{ POLICY_PROFILE: '--profile' }`: what its errors may name. */
export type SettingFlagNames = Partial<Record<ConfigEnvName, string>>;

/**
 * The Lambda's bound on the sweep's concurrency (the stack's reconcileConcurrency), so that the CLI accepts exactly
 * what the function does. Defined once here until the shared settings module holds it.
 */
export const SWEEP_CONCURRENCY_MAX = 99;

/** An AWS region name, e.g. us-east-1 or us-gov-west-1: a malformed one is a settings error, not an SDK failure. */
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** What every command gets: where to write, settings, AWS clients, and how to report its exit code. */
export interface CliContext {
  io: CliIO;
  /**
   * Settings as the Lambdas read them, with flags taking precedence over the environment. `flags` names the flags
   * this command has, so that an error names those and no other.
   */
  config(overrides?: SettingOverrides, flags?: SettingFlagNames): Config;
  /** For commands that call AWS, before the first call: the named profile exists, and the Node notice. */
  prepareAws(): Promise<void>;
  /** Where AWS calls go, for error messages. */
  errorContext(): ErrorContext;
  clients: {
    iam(config: Config): IAMClient;
    cloudTrail(region?: string): CloudTrailClient;
    eventBridge(region?: string): EventBridgeClient;
    sns(region?: string): SNSClient;
    sts(region?: string): STSClient;
  };
  /** The worst exit code reported wins. */
  exit(code: ExitCode): void;
  readonly exitCode: ExitCode;
}

export function createContext(io: CliIO): CliContext {
  let exitCode: ExitCode = 0;
  const env = io.env ?? process.env;
  return {
    io,
    config: (overrides = {}, flags = {}) => cliConfig(overrides, flags, env),
    prepareAws: async () => {
      await assertProfileExists(env);
      const notice = nodeVersionNotice(io.nodeVersion);
      if (notice) io.stderr.write(`${notice}\n`);
    },
    errorContext: () => ({
      endpoint: env.AWS_ENDPOINT_URL || undefined,
      profile: env.AWS_PROFILE?.trim() || undefined,
    }),
    clients: {
      iam: createIamClient,
      cloudTrail: createCloudTrailClient,
      eventBridge: createEventBridgeClient,
      sns: createSnsClient,
      sts: createStsClient,
    },
    exit(code) {
      if (code > exitCode) exitCode = code;
    },
    get exitCode() {
      return exitCode;
    },
  };
}

/** The settings flags shared by the commands that touch roles. */
export interface SettingFlags {
  prefixes?: string;
  profile?: string;
  policyName?: string;
  dryRun?: boolean;
}

export function overridesFrom(flags: SettingFlags): SettingOverrides {
  return {
    ROLE_PREFIXES: flags.prefixes,
    POLICY_PROFILE: flags.profile,
    POLICY_NAME: flags.policyName,
    DRY_RUN: flags.dryRun ? 'true' : undefined,
  };
}

/**
 * Reads the settings and turns any problem into one line that names the flag the user typed, or the environment
 * variable and the flag this command has for it.
 */
function cliConfig(overrides: SettingOverrides, flags: SettingFlagNames, env: NodeJS.ProcessEnv): Config {
  for (const [name, value] of Object.entries(overrides) as [ConfigEnvName, string | undefined][]) {
    if (value === undefined) continue;
    const problem = settingProblem(name, value);
    if (problem) throw new UsageError(`${flags[name] ?? name} "${value}" ${isNotValid(problem)}.`);
  }
  let config: Config;
  try {
    config = loadConfigWithOverrides(overrides, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(environmentProblem(error, overrides, flags, env));
  }
  if (!REGION_PATTERN.test(config.region)) {
    const expected = 'expected an AWS region such as us-east-1';
    if (overrides.AWS_REGION !== undefined) {
      throw new UsageError(`${flags.AWS_REGION ?? 'AWS_REGION'} "${config.region}" is not valid: ${expected}.`);
    }
    const variable = env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
    throw new UsageError(
      `${variable}=${JSON.stringify(config.region)} is not valid: ${expected}. ${fixHint(variable, flags.AWS_REGION)}.`,
    );
  }
  if (!(config.sweepConcurrency >= 1 && config.sweepConcurrency <= SWEEP_CONCURRENCY_MAX)) {
    throw new UsageError(
      `SWEEP_CONCURRENCY=${JSON.stringify(env.SWEEP_CONCURRENCY)} is not valid: ${concurrencyRule}. ` +
        `${fixHint('SWEEP_CONCURRENCY', flags.SWEEP_CONCURRENCY)}.`,
    );
  }
  return config;
}

const concurrencyRule = `expected a whole number from 1 to ${SWEEP_CONCURRENCY_MAX}`;

/** What is wrong with one setting's value, judged by the settings module alone; undefined when nothing is. */
function settingProblem(name: ConfigEnvName, value: string): string | undefined {
  if (name === 'SWEEP_CONCURRENCY') {
    const n = Number(value.trim());
    return Number.isInteger(n) && n >= 1 && n <= SWEEP_CONCURRENCY_MAX ? undefined : concurrencyRule;
  }
  if (name === 'AWS_REGION') return REGION_PATTERN.test(value) ? undefined : 'expected an AWS region such as us-east-1';
  try {
    loadConfig({ [name]: value });
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return reasonIn(error.message, name);
  }
}

/** The reason the settings module gives for one variable, without its framing. */
function reasonIn(message: string, name: string): string {
  const inner = /settings \((.*)\)\./s.exec(message)?.[1] ?? message;
  const own = inner.split('; ').find((problem) => problem.startsWith(name)) ?? inner;
  return own.replace(new RegExp(`^${name}(=".*?")?( is not valid)?: `), '');
}

const SETTING_VARIABLES: readonly ConfigEnvName[] = [
  'ROLE_PREFIXES',
  'POLICY_PROFILE',
  'POLICY_NAME',
  'DRY_RUN',
  'ROLE_NOT_FOUND_RETRY_SECONDS',
  'IAM_MAX_ATTEMPTS',
  'SWEEP_CONCURRENCY',
];

/** The environment's bad variables, each with the flag this command has for it; the module's own words otherwise. */
function environmentProblem(
  error: ConfigError,
  overrides: SettingOverrides,
  flags: SettingFlagNames,
  env: NodeJS.ProcessEnv,
): string {
  const bad = SETTING_VARIABLES.filter((name) => overrides[name] === undefined && env[name] !== undefined).flatMap(
    (name) => {
      const problem = settingProblem(name, env[name] as string);
      return problem ? [{ name, problem }] : [];
    },
  );
  if (bad.length === 0) {
    const inner = /settings \((.*)\)\./s.exec(error.message)?.[1];
    return inner
      ? `Invalid setting in the environment: ${inner}. Fix or unset that variable, then retry.`
      : error.message.replace(/ Fix the environment.*$/, '');
  }
  const problems = bad.map(({ name, problem }) => `${name}=${JSON.stringify(env[name])} ${isNotValid(problem)}`);
  const fixes = bad.map(({ name }) => fixHint(name, flags[name]));
  return `${problems.join('; ')}. ${fixes.join('; ')}.`;
}

/** "is not valid: expected …", or the module's own words when they already say it. */
const isNotValid = (problem: string): string =>
  problem.startsWith('not valid') ? `is ${problem}` : `is not valid: ${problem}`;

const fixHint = (variable: string, flag: string | undefined): string =>
  flag ? `Fix or unset ${variable}, or pass ${flag}` : `Fix or unset ${variable}`;

/**
 * A named profile that is in neither shared file makes the SDK try every other source and end with "Could not load
 * credentials from any providers", after warnings of its own: say what is wrong before it starts.
 */
async function assertProfileExists(env: NodeJS.ProcessEnv): Promise<void> {
  const profile = env.AWS_PROFILE?.trim();
  if (!profile) return;
  const { configFile, credentialsFile } = await loadSharedConfigFiles({
    ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
    ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
  });
  if (profile in configFile || profile in credentialsFile) return;
  throw new UsageError(
    `The AWS profile "${profile}" (AWS_PROFILE) does not exist in the AWS config or credentials file. ` +
      'List profiles with `aws configure list-profiles`, then set AWS_PROFILE to one of them or unset it.',
  );
}

/** The AWS SDK's eight-line notice about Node versions, as one line. */
export function nodeVersionNotice(nodeVersion: string | undefined): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(nodeVersion ?? '')?.[1]);
  if (!(major < 22)) return undefined;
  return `agentcore-guard: Node ${nodeVersion} works, but AWS SDK releases from 2027 need Node 22 or later; upgrade when you can.`;
}
