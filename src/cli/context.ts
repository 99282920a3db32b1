import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  createCloudTrailClient,
  createEventBridgeClient,
  createIamClient,
  createSnsClient,
  createStsClient,
} from '../aws/clients.js';
import { type Config, type ConfigEnvName, ConfigError, loadConfigWithOverrides } from '../config.js';
import { type CliIO, type ExitCode, UsageError } from './output.js';

/** Flag values that override the environment's settings (undefined: keep the environment's). */
export type SettingOverrides = Partial<Record<ConfigEnvName, string | undefined>>;

/** What every command gets: where to write, settings, AWS clients, and how to report its exit code. */
export interface CliContext {
  io: CliIO;
  /** Settings as the Lambdas read them, with flags taking precedence over the environment. */
  config(overrides?: SettingOverrides): Config;
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
  return {
    io,
    config: (overrides = {}) => cliConfig(overrides),
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
  region?: string;
  dryRun?: boolean;
}

export function overridesFrom(flags: SettingFlags): SettingOverrides {
  return {
    ROLE_PREFIXES: flags.prefixes,
    POLICY_PROFILE: flags.profile,
    POLICY_NAME: flags.policyName,
    AWS_REGION: flags.region,
    DRY_RUN: flags.dryRun ? 'true' : undefined,
  };
}

const FLAG_FOR_SETTING: Partial<Record<ConfigEnvName, string>> = {
  ROLE_PREFIXES: '--prefixes',
  POLICY_PROFILE: '--profile',
  POLICY_NAME: '--policy-name',
  AWS_REGION: '--region',
};

/** Settings errors name the flag or variable to fix, not the deployment's --param. */
function cliConfig(overrides: SettingOverrides): Config {
  try {
    return loadConfigWithOverrides(overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const named = Object.entries(FLAG_FOR_SETTING).map(([env, flag]) => `${flag} (${env})`);
    throw new UsageError(
      `${error.message.replace(/ Fix the environment.*$/, '')} Fix the flag or environment variable: ${named.join(', ')}.`,
    );
  }
}
