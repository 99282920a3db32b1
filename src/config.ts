import * as v from 'valibot';
import type { PolicyProfileName } from './policy/profiles.js';

/** The toolkit's role name prefix: `AmazonBedrockAgentCoreSDKRuntime-{region}-{hash}`. */
export const DEFAULT_ROLE_PREFIX = 'AmazonBedrockAgentCoreSDKRuntime-';
/** The seed's inline policy name, kept so roles fixed by hand are recognised as ours. */
export const DEFAULT_POLICY_NAME = 'CodeInterpreterAccess';

export interface Config {
  /** Region the SDK uses; IAM itself is global. */
  region: string;
  /** Role-name prefixes we may write to. Never empty. */
  rolePrefixes: readonly string[];
  policyProfile: PolicyProfileName;
  policyName: string;
  dryRun: boolean;
  /** How long to keep retrying `NoSuchEntity` right after `CreateRole` (IAM is eventually consistent). */
  roleNotFoundRetryMs: number;
  /** SDK attempts per IAM call, throttling included. */
  iamMaxAttempts: number;
  /** Roles the reconcile sweep fixes at once (IAM's request quota is account-wide: keep it small). */
  sweepConcurrency: number;
  /**
   * Where SDK clients take credentials from: `environment` inside Lambda (the runtime always sets the role's keys as
   * environment variables, so the rest of the default chain is dead weight at start), `default-chain` elsewhere
   * (CLI, tests: profiles, SSO, env).
   */
  credentialSource: 'environment' | 'default-chain';
  /** Health check (issue 4): the settings below. */
  health: HealthSettings;
}

export const HEALTH_PROBES = ['proof', 'seed', 'custom'] as const;
export type HealthProbeName = (typeof HEALTH_PROBES)[number];

export interface HealthSettings {
  /** Explicit targets; empty means discovery (`ListAgentRuntimes`) in `discoveryRegions`. */
  agentRuntimeArns: readonly string[];
  /** Regions searched by discovery; defaults to the function's own region. */
  discoveryRegions: readonly string[];
  probe: HealthProbeName;
  /** Only for the `custom` probe: the prompt and the pattern the reply must match. */
  customPrompt?: string;
  customExpect?: string;
  /** Call `ensureCodeInterpreterPolicy` when the permission probe finds the role denied. */
  selfHeal: boolean;
  /** Also start a session on `aws.codeinterpreter.v1` directly, to tell "service down" from "agent broken". */
  directProbe: boolean;
  /** How long one agent may take to answer the prompt. */
  probeTimeoutMs: number;
  alertReminderMs: number;
  /** Where alert state lives and where alerts go; absent in the CLI (no alerts there). */
  stateTableName?: string;
  alertTopicArn?: string;
  /** SSM SecureString holding the Slack incoming-webhook URL (slack-notify only). */
  slackWebhookParameter?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const truthy = new Set(['true', '1', 'yes']);
const falsy = new Set(['false', '0', 'no']);

/** What a setting's reader returns for a value it cannot accept: the message names what was expected. */
class Invalid {
  constructor(readonly message: string) {}
}

/**
 * An environment variable, set or not, turned into its setting by `read` (or refused with the reason). Not
 * `v.optional`: valibot skips an optional key's pipe when the key is absent, and the defaults live in `read`.
 */
const setting = <T>(read: (value: string | undefined) => T | Invalid) =>
  v.pipe(
    v.union([v.string(), v.undefined()]),
    v.rawTransform<string | undefined, T>(({ dataset, addIssue, NEVER }) => {
      const result = read(dataset.value);
      if (!(result instanceof Invalid)) return result;
      addIssue({ message: result.message });
      return NEVER;
    }),
  );

/** true/1/yes or false/0/no; unset or empty gives `fallback`. */
const booleanFlag = (fallback: boolean) =>
  setting((value) => {
    const flag = (value ?? '').trim().toLowerCase();
    if (flag === '') return fallback;
    if (truthy.has(flag)) return true;
    if (falsy.has(flag)) return false;
    return new Invalid('expected true or false');
  });

const positiveInt = (fallback: number) =>
  setting((value) => {
    if (value === undefined || value.trim() === '') return fallback;
    const n = Number(value);
    if (Number.isInteger(n) && n > 0) return n;
    return new Invalid('expected a positive whole number');
  });

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);

export const agentRuntimeArnPattern =
  /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]{1,128}$/;

// IAM role names: letters, digits and +=,.@_- ; a prefix is a role name's start.
const rolePrefixPattern = /^[\w+=,.@-]{1,64}$/;

const EnvSchema = v.object({
  ROLE_PREFIXES: setting((value) => {
    const prefixes = commaList(value ?? DEFAULT_ROLE_PREFIX);
    if (prefixes.length === 0) return new Invalid('needs at least one role-name prefix');
    const bad = prefixes.filter((p) => !rolePrefixPattern.test(p));
    if (bad.length > 0) return new Invalid(`not valid role-name prefixes: ${bad.join(', ')}`);
    return prefixes;
  }),
  POLICY_PROFILE: setting((value): PolicyProfileName | Invalid => {
    const profile = value?.trim() || 'least-privilege';
    if (profile === 'least-privilege' || profile === 'seed') return profile;
    return new Invalid('expected least-privilege or seed');
  }),
  POLICY_NAME: setting((value) => {
    const name = value?.trim() || DEFAULT_POLICY_NAME;
    if (/^[\w+=,.@-]{1,128}$/.test(name)) return name;
    return new Invalid('not a valid IAM policy name');
  }),
  DRY_RUN: booleanFlag(false),
  ROLE_NOT_FOUND_RETRY_SECONDS: positiveInt(30),
  IAM_MAX_ATTEMPTS: positiveInt(8),
  SWEEP_CONCURRENCY: positiveInt(4),
  AGENT_RUNTIME_ARNS: setting((value) => {
    const arns = commaList(value);
    const bad = arns.filter((a) => !agentRuntimeArnPattern.test(a));
    if (bad.length > 0) {
      return new Invalid(
        `not agent runtime ARNs (arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>): ${bad.join(', ')}`,
      );
    }
    return arns;
  }),
  AGENT_REGIONS: setting((value) => {
    const regions = commaList(value);
    const bad = regions.filter((r) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r));
    if (bad.length > 0) return new Invalid(`not AWS regions: ${bad.join(', ')}`);
    return regions;
  }),
  HEALTH_PROBE: setting((value): HealthProbeName | Invalid => {
    const probe = value?.trim() || 'proof';
    if ((HEALTH_PROBES as readonly string[]).includes(probe)) return probe as HealthProbeName;
    return new Invalid('expected proof, seed or custom');
  }),
  HEALTH_PROMPT: v.optional(v.string()),
  HEALTH_EXPECT: setting((value) => {
    if (value === undefined || value.trim() === '') return undefined;
    try {
      new RegExp(value);
      return value;
    } catch {
      return new Invalid('not a valid regular expression');
    }
  }),
  SELF_HEAL: booleanFlag(true),
  DIRECT_PROBE: booleanFlag(false),
  PROBE_TIMEOUT_SECONDS: positiveInt(120),
  ALERT_REMINDER_HOURS: positiveInt(24),
  HEALTH_TABLE_NAME: v.optional(v.string()),
  ALERT_TOPIC_ARN: v.optional(v.string()),
  SLACK_WEBHOOK_PARAMETER: v.optional(v.string()),
  AWS_REGION: v.optional(v.string()),
  AWS_DEFAULT_REGION: v.optional(v.string()),
  AWS_LAMBDA_FUNCTION_NAME: v.optional(v.string()),
  AWS_ACCESS_KEY_ID: v.optional(v.string()),
});

/**
 * Reads and validates the environment once. The only place that reads `process.env`
 * for settings; everything else receives a `Config`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Every variable we read, present or not, so that each setting's reader runs and applies its default.
  const variables = Object.fromEntries(Object.keys(EnvSchema.entries).map((name) => [name, env[name]]));
  const parsed = v.safeParse(EnvSchema, variables);
  if (!parsed.success) {
    const problems = parsed.issues.map((i) => `${v.getDotPath(i) ?? '(environment)'}: ${i.message}`).join('; ');
    throw new ConfigError(
      `Invalid agentcore-guard settings (${problems}). Fix the environment or the --param values and redeploy.`,
    );
  }
  const e = parsed.output;
  const region = e.AWS_REGION || e.AWS_DEFAULT_REGION || 'us-east-1';
  return {
    region,
    rolePrefixes: e.ROLE_PREFIXES,
    policyProfile: e.POLICY_PROFILE,
    policyName: e.POLICY_NAME,
    dryRun: e.DRY_RUN,
    roleNotFoundRetryMs: e.ROLE_NOT_FOUND_RETRY_SECONDS * 1000,
    iamMaxAttempts: e.IAM_MAX_ATTEMPTS,
    sweepConcurrency: e.SWEEP_CONCURRENCY,
    credentialSource: e.AWS_LAMBDA_FUNCTION_NAME && e.AWS_ACCESS_KEY_ID ? 'environment' : 'default-chain',
    health: healthSettings(e, region),
  };
}

function healthSettings(e: v.InferOutput<typeof EnvSchema>, region: string): HealthSettings {
  const customPrompt = e.HEALTH_PROMPT?.trim() || undefined;
  if (e.HEALTH_PROBE === 'custom' && (!customPrompt || !e.HEALTH_EXPECT)) {
    throw new ConfigError(
      'HEALTH_PROBE=custom needs HEALTH_PROMPT (the prompt) and HEALTH_EXPECT (a regular expression the reply must match). Set both, or use the proof or seed probe.',
    );
  }
  return {
    agentRuntimeArns: e.AGENT_RUNTIME_ARNS,
    discoveryRegions: e.AGENT_REGIONS.length > 0 ? e.AGENT_REGIONS : [region],
    probe: e.HEALTH_PROBE,
    customPrompt,
    customExpect: e.HEALTH_EXPECT,
    selfHeal: e.SELF_HEAL,
    directProbe: e.DIRECT_PROBE,
    probeTimeoutMs: e.PROBE_TIMEOUT_SECONDS * 1000,
    alertReminderMs: e.ALERT_REMINDER_HOURS * 3_600_000,
    stateTableName: e.HEALTH_TABLE_NAME?.trim() || undefined,
    alertTopicArn: e.ALERT_TOPIC_ARN?.trim() || undefined,
    slackWebhookParameter: e.SLACK_WEBHOOK_PARAMETER?.trim() || undefined,
  };
}

/** The environment variables `loadConfig` reads, by name. */
export type ConfigEnvName =
  | 'ROLE_PREFIXES'
  | 'POLICY_PROFILE'
  | 'POLICY_NAME'
  | 'DRY_RUN'
  | 'ROLE_NOT_FOUND_RETRY_SECONDS'
  | 'IAM_MAX_ATTEMPTS'
  | 'SWEEP_CONCURRENCY'
  | 'AWS_REGION';

/**
 * For the CLI: explicit values (command-line flags) win over the environment; both are validated alike.
 * Undefined overrides leave the environment's value in place.
 */
export function loadConfigWithOverrides(
  overrides: Partial<Record<ConfigEnvName, string | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const defined = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return loadConfig({ ...env, ...Object.fromEntries(defined) });
}
