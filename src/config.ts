import {
  type HealthProbeName,
  missingForCustomProbe,
  type PolicyProfileName,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValue,
} from './settings.js';

export interface Config {
  /** Region the SDK uses; IAM itself is global. */
  region: string;
  /** Role-name prefixes we may write to. Never empty. */
  rolePrefixes: readonly string[];
  policyProfile: PolicyProfileName;
  policyName: string;
  /** Grant the account's own (custom) Code Interpreters too, not only the AWS-managed ones. */
  customInterpreters: boolean;
  dryRun: boolean;
  /** Delete our policy from a prefixed role that fails the trust gate (never any other policy). */
  removeFromUntrusted: boolean;
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
  /** Where alert state lives and where alerts go: the stack's; absent in the CLI (it prints, never alerts). */
  alerts: { stateTable?: string; topicArn?: string };
  health: HealthSettings;
}

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
  /** SSM SecureString holding the Slack incoming-webhook URL (slack-notify only). */
  slackWebhookParameter?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads settings from one environment, collecting every problem before giving up. */
class EnvironmentReader {
  readonly problems: string[] = [];
  constructor(readonly env: NodeJS.ProcessEnv) {}

  read<N extends SettingName>(name: N): SettingValue<N> {
    const definition = SETTINGS[name] as Setting<SettingValue<N>>;
    if (!definition.env) throw new TypeError(`Setting ${name} has no environment variable.`);
    const raw = this.env[definition.env];
    const reading = definition.read(raw);
    if (reading.ok) return reading.value;
    this.problems.push(`${definition.env}=${JSON.stringify(raw)} is not valid: expected ${reading.expected}`);
    return undefined as SettingValue<N>;
  }
}

/**
 * Reads and validates the environment once. The only place that reads `process.env`
 * for settings; everything else receives a `Config`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const settings = new EnvironmentReader(env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const config: Config = {
    region,
    rolePrefixes: settings.read('rolePrefixes'),
    policyProfile: settings.read('policyProfile'),
    policyName: settings.read('policyName'),
    customInterpreters: settings.read('customInterpreters'),
    dryRun: settings.read('dryRun'),
    removeFromUntrusted: settings.read('removeFromUntrusted'),
    roleNotFoundRetryMs: settings.read('roleNotFoundRetrySeconds') * 1000,
    iamMaxAttempts: settings.read('iamMaxAttempts'),
    sweepConcurrency: settings.read('sweepConcurrency'),
    credentialSource: env.AWS_LAMBDA_FUNCTION_NAME && env.AWS_ACCESS_KEY_ID ? 'environment' : 'default-chain',
    alerts: {
      stateTable: env.ALERT_STATE_TABLE?.trim() || undefined,
      topicArn: env.ALERT_TOPIC_ARN?.trim() || undefined,
    },
    health: healthSettings(settings, region),
  };
  if (settings.problems.length > 0) {
    throw new ConfigError(
      `Invalid agentcore-guard settings (${settings.problems.join('; ')}). Fix the environment or the --param values and redeploy.`,
    );
  }
  const { probe, customPrompt, customExpect } = config.health;
  const missing = missingForCustomProbe(probe, customPrompt, customExpect);
  if (missing) {
    throw new ConfigError(
      `HEALTH_PROBE=custom needs HEALTH_PROMPT (the prompt) and HEALTH_EXPECT (a regular expression the reply must match); ${SETTINGS[missing.setting].env} is not set. Set both, or use the proof or seed probe.`,
    );
  }
  return config;
}

function healthSettings(settings: EnvironmentReader, region: string): HealthSettings {
  const discoveryRegions = settings.read('agentRegions');
  return {
    agentRuntimeArns: settings.read('agentRuntimeArns'),
    discoveryRegions: discoveryRegions?.length ? discoveryRegions : [region],
    probe: settings.read('healthProbe'),
    customPrompt: settings.read('healthPrompt'),
    customExpect: settings.read('healthExpect'),
    selfHeal: settings.read('selfHeal'),
    directProbe: settings.read('directProbe'),
    probeTimeoutMs: settings.read('probeTimeoutSeconds') * 1000,
    alertReminderMs: settings.read('alertReminderHours') * 3_600_000,
    slackWebhookParameter: settings.read('slackWebhookParameter'),
  };
}

/** The environment variables `loadConfig` reads, by name. */
export type ConfigEnvName =
  | 'ROLE_PREFIXES'
  | 'POLICY_PROFILE'
  | 'POLICY_NAME'
  | 'DRY_RUN'
  | 'CUSTOM_INTERPRETERS'
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
