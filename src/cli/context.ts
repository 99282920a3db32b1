import type { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import type { memberAccountClients } from '../aws/fleet-clients.js';
import { onePerRegion } from '../aws/per-region.js';
import { type Config, type ConfigEnvName, ConfigError, loadConfigWithOverrides } from '../config.js';
import { REGION_PATTERN, SETTINGS } from '../settings.js';
import { type CliIO, type ErrorContext, type ExitCode, UsageError } from './output.js';

/** The environment variables a flag may stand in for: the CLI's settings, and the regions agents run in. */
export type OverridableName = ConfigEnvName | 'AGENT_REGIONS';

/** Flag values that override the environment's settings (undefined: keep the environment's). */
export type SettingOverrides = Partial<Record<OverridableName, string | undefined>>;

/** The flag a command has for a setting, e.g. `{ POLICY_PROFILE: '--profile' }`: what its errors may name. */
export type SettingFlagNames = Partial<Record<OverridableName, string>>;

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
  /**
   * AWS clients. Each service's SDK is loaded when a command first asks for one of its clients, not when the CLI
   * starts: `--help`, `policy` and every command pay only for the services they call.
   */
  clients: {
    iam(config: Config): Promise<IAMClient>;
    sts(region?: string): Promise<STSClient>;
    organizations(): Promise<OrganizationsClient>;
    /** A member account's clients, on the credentials of the role assumed there (the fleet report). */
    memberAccount(): Promise<typeof memberAccountClients>;
    /** Regional services: each gives one client per region, for the whole command. */
    agentCoreControl(): Promise<(region: string) => BedrockAgentCoreControlClient>;
    cloudTrail(): Promise<(region: string) => CloudTrailClient>;
    eventBridge(): Promise<(region: string) => EventBridgeClient>;
    sns(): Promise<(region: string) => SNSClient>;
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
      iam: async (config) => (await import('../aws/clients.js')).createIamClient(config),
      sts: async (region) => (await import('../aws/sts-client.js')).createStsClient(region),
      organizations: async () => (await import('../aws/fleet-clients.js')).createOrganizationsClient(),
      memberAccount: async () => (await import('../aws/fleet-clients.js')).memberAccountClients,
      agentCoreControl: once(async () =>
        (await import('../aws/agentcore-control-clients.js')).agentCoreControlClientsByRegion(),
      ),
      cloudTrail: once(async () => onePerRegion((await import('../aws/deployment-clients.js')).createCloudTrailClient)),
      eventBridge: once(async () =>
        onePerRegion((await import('../aws/deployment-clients.js')).createEventBridgeClient),
      ),
      sns: once(async () => onePerRegion((await import('../aws/alert-clients.js')).createSnsClient)),
    },
    exit(code) {
      if (code > exitCode) exitCode = code;
    },
    get exitCode() {
      return exitCode;
    },
  };
}

/** The first call's answer, for every call: one set of regional clients per command. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

/** The settings flags shared by the commands that touch roles. */
export interface SettingFlags {
  prefixes?: string;
  profile?: string;
  policyName?: string;
  dryRun?: boolean;
  /** `--custom-interpreters` true, `--no-custom-interpreters` false, neither undefined. */
  customInterpreters?: boolean;
}

export function overridesFrom(flags: SettingFlags): SettingOverrides {
  return {
    ROLE_PREFIXES: flags.prefixes,
    POLICY_PROFILE: flags.profile,
    POLICY_NAME: flags.policyName,
    DRY_RUN: flags.dryRun ? 'true' : undefined,
    CUSTOM_INTERPRETERS: flags.customInterpreters === undefined ? undefined : String(flags.customInterpreters),
  };
}

/**
 * Reads the settings and turns any problem into one line that names the flag the user typed, or the environment
 * variable and the flag this command has for it.
 */
function cliConfig(overrides: SettingOverrides, flags: SettingFlagNames, env: NodeJS.ProcessEnv): Config {
  for (const [name, value] of Object.entries(overrides) as [OverridableName, string | undefined][]) {
    if (value === undefined) continue;
    const problem = settingProblem(name, value);
    if (problem) throw new UsageError(`${flags[name] ?? name} "${value}" is not valid: ${problem}.`);
  }
  let config: Config;
  try {
    config = loadConfigWithOverrides(overrides, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(environmentProblem(error, overrides, flags, env));
  }
  // The settings module does not read the SDK's region; a malformed one is a settings error all the same.
  if (!REGION_PATTERN.test(config.region)) {
    if (overrides.AWS_REGION !== undefined) {
      throw new UsageError(`${flags.AWS_REGION ?? 'AWS_REGION'} "${config.region}" is not valid: ${regionRule}.`);
    }
    const variable = env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
    throw new UsageError(
      `${variable}=${JSON.stringify(config.region)} is not valid: ${regionRule}. ${fixHint(variable, flags.AWS_REGION)}.`,
    );
  }
  return config;
}

const regionRule = 'expected an AWS region such as us-east-1';

/**
 * What is wrong with one setting's value, by the rule the functions and the stack apply too (src/settings.ts);
 * undefined when nothing is.
 */
function settingProblem(name: string, value: string): string | undefined {
  if (name === 'AWS_REGION') return REGION_PATTERN.test(value) ? undefined : regionRule;
  const setting = Object.values(SETTINGS).find((s) => s.env === name);
  const reading = setting?.read(value);
  return reading && !reading.ok ? `expected ${reading.expected}` : undefined;
}

/** Every environment variable a setting is read from. */
const SETTING_VARIABLES: readonly string[] = Object.values(SETTINGS).flatMap((s) => (s.env ? [s.env] : []));

/**
 * The environment's bad variables, each with the flag this command has for it; the settings module's own words for
 * a rule across settings.
 */
function environmentProblem(
  error: ConfigError,
  overrides: SettingOverrides,
  flags: SettingFlagNames,
  env: NodeJS.ProcessEnv,
): string {
  const bad = SETTING_VARIABLES.filter(
    (name) => overrides[name as OverridableName] === undefined && env[name] !== undefined,
  ).flatMap((name) => {
    const problem = settingProblem(name, env[name] as string);
    return problem ? [{ name, problem }] : [];
  });
  if (bad.length === 0) {
    const inner = /settings \((.*)\)\./s.exec(error.message)?.[1];
    return inner
      ? `Invalid setting in the environment: ${inner}. Fix or unset that variable, then retry.`
      : error.message.replace(/ Fix the environment.*$/, '');
  }
  const problems = bad.map(({ name, problem }) => `${name}=${JSON.stringify(env[name])} is not valid: ${problem}`);
  const fixes = bad.map(({ name }) => fixHint(name, flags[name as OverridableName]));
  return `${problems.join('; ')}. ${fixes.join('; ')}.`;
}

const fixHint = (variable: string, flag: string | undefined): string =>
  flag ? `Fix or unset ${variable}, or pass ${flag}` : `Fix or unset ${variable}`;

/**
 * A named profile that is in neither shared file makes the SDK try every other source and end with "Could not load
 * credentials from any providers", after warnings of its own: say what is wrong before it starts.
 */
async function assertProfileExists(env: NodeJS.ProcessEnv): Promise<void> {
  const profile = env.AWS_PROFILE?.trim();
  if (!profile) return;
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
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
