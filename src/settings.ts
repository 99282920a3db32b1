/**
 * Every setting of agentcore-guard: its rule, its default and its allowed values, each written once.
 *
 * Two readers share it: `src/config.ts` (the functions' environment and the CLI) and `deploy/params.ts` (the stack's
 * `--param` values, checked at package time). A leaf module: it imports nothing from `src/`, so the packaging code
 * can load it without pulling in the SDK.
 */

/** A setting's value, or what was expected instead (the reader adds the name and the value to the message). */
export type Reading<T> = { ok: true; value: T } | { ok: false; expected: string };

const ok = <T>(value: T): Reading<T> => ({ ok: true, value });
const expected = (text: string): Reading<never> => ({ ok: false, expected: text });

export interface Setting<T> {
  /** Its `--param` name in serverless.yml; absent when the stack does not expose it. */
  readonly param?: string;
  /** The environment variable the functions and the CLI read; absent when only packaging uses it. */
  readonly env?: string;
  /** The setting from its text; unset or blank gives the default. */
  readonly read: (raw: string | undefined) => Reading<T>;
}

const setting = <T>(definition: Setting<T>): Setting<T> => definition;

// --- Allowed values ------------------------------------------------------------------------------------------------

export const POLICY_PROFILES = ['least-privilege', 'seed'] as const;
export type PolicyProfileName = (typeof POLICY_PROFILES)[number];

export const HEALTH_PROBES = ['proof', 'seed', 'custom'] as const;
export type HealthProbeName = (typeof HEALTH_PROBES)[number];

/**
 * What one health-check run may spend: `permission` asks IAM only (no model tokens), `all` goes on to the prompt.
 * Each schedule sends its tier as the function's input, `{"probes": "<tier>"}`.
 */
export const PROBE_TIERS = ['permission', 'all'] as const;
export type ProbeTier = (typeof PROBE_TIERS)[number];

/** How a boolean may be spelt, in the environment and in `--param` alike (case does not matter). */
export const BOOLEAN_SPELLINGS: Readonly<Record<string, boolean>> = {
  true: true,
  '1': true,
  yes: true,
  false: false,
  '0': false,
  no: false,
};

/** How "no schedule" or "no reservation" may be spelt (case does not matter). */
export const OFF_SPELLINGS: readonly string[] = ['off', 'none', 'disabled', 'false'];

// --- Rules ---------------------------------------------------------------------------------------------------------

/**
 * The start of an IAM role name: letters, digits and +=.@_- (IAM allows "," too, but it separates the list here).
 * No wildcards: a prefix becomes an EventBridge prefix filter and the IAM resource `role/<prefix>*`.
 */
export const ROLE_PREFIX_PATTERN = /^[\w+=.@-]{1,64}$/;
/** An IAM inline policy name. */
export const POLICY_NAME_PATTERN = /^[\w+=,.@-]{1,128}$/;
/** An EventBridge schedule expression: rate(1 hour), rate(6 hours), cron(0 *\/6 * * ? *). */
export const SCHEDULE_EXPRESSION_PATTERN = /^(rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/;
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const AGENT_RUNTIME_ARN_PATTERN =
  /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]{1,128}$/;
/** An SSM parameter name, with or without its leading "/". */
export const SSM_PARAMETER_NAME_PATTERN = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/;
/** Loose on purpose: SNS sends a confirmation mail; this only catches typos such as a missing "@". */
export const EMAIL_PATTERN = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
export const AWS_ACCOUNT_PATTERN = /^\d{12}$/;
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
/** An organization's root (`r-…`) or an organizational unit (`ou-…-…`): where `fleet --ou` starts. */
export const ORGANIZATION_PARENT_PATTERN = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
/**
 * The central alerts topic: in us-east-1, where the stack runs and its functions' SNS client publishes (SNS takes a
 * publish only in the topic's own region).
 */
export const CENTRAL_ALERT_TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:us-east-1:\d{12}:[\w-]{1,256}$/;
/** A KMS key by its key ARN (IAM policies cannot name a key by alias). */
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]{1,128}$/;
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

// --- Defaults and ranges -------------------------------------------------------------------------------------------

export const DEFAULTS = {
  /** The starter toolkit's role name prefix: `AmazonBedrockAgentCoreSDKRuntime-{region}-{hash}`. */
  rolePrefix: 'AmazonBedrockAgentCoreSDKRuntime-',
  /** The seed's inline policy name, kept so roles fixed by hand are recognised as ours. */
  policyName: 'CodeInterpreterAccess',
  policyProfile: 'least-privilege' as PolicyProfileName,
  /** IAM is eventually consistent right after CreateRole: how long NoSuchEntity is retried. */
  roleNotFoundRetrySeconds: 30,
  /** SDK attempts per IAM call, throttling included. */
  iamMaxAttempts: 8,
  /** The sweep runs into IAM's account-wide quota by design: it retries more. */
  sweepIamMaxAttempts: 10,
  /** IAM's request quota is account-wide: keep the sweep small. The CLI and the reconcile function alike. */
  sweepConcurrency: 4,
  reconcileSchedule: 'rate(6 hours)',
  /** The permission probe's schedule: IAM calls only, no model tokens. */
  healthSchedule: 'rate(1 hour)',
  /** The prompt probe's schedule: one invocation of each agent (model tokens), unless the runtime opted out. */
  promptSchedule: 'rate(1 day)',
  healthProbe: 'proof' as HealthProbeName,
  /** Agents described and probed at once by one health-check run (each probe waits on a model). */
  healthConcurrency: 4,
  probeTimeoutSeconds: 120,
  alertReminderHours: 24,
  /** Enough for a burst of new roles; Lambda queues and retries the rest of an asynchronous burst. */
  remediateReservedConcurrency: 5,
  /** Member accounts the fleet report reads at once (each has its own IAM quota; the caller's network is shared). */
  fleetConcurrency: 4,
  /** The audit role of a stack deployed with the default service name and stage: `<service>-<stage>-audit`. */
  auditRoleName: 'agentcore-guard-dev-audit',
  /** How far back the fleet report counts the roles each account's functions remediated. */
  remediatedWindowDays: 7,
} as const;

export const SWEEP_CONCURRENCY_MAX = 99;
/** The health check's timeout is 900 s: one probe must leave room for the others and the alerting. */
export const PROBE_TIMEOUT_MAX_SECONDS = 600;
/** Far above any sensible burst, far below an account's concurrency quota. */
export const RESERVED_CONCURRENCY_MAX = 1000;
export const FLEET_CONCURRENCY_MAX = 32;
/** CloudWatch keeps hourly data points for 455 days; a quarter is as far back as the report looks. */
export const REMEDIATED_WINDOW_MAX_DAYS = 90;

// --- Readers -------------------------------------------------------------------------------------------------------

const blank = (raw: string | undefined): boolean => raw === undefined || raw.trim() === '';

/** A comma-separated list: trimmed, empty entries dropped, duplicates removed. */
export const commaList = (raw: string | undefined): string[] => [
  ...new Set(
    (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
];

const booleanFlag = (fallback: boolean) => (raw: string | undefined) => {
  if (blank(raw)) return ok(fallback);
  const flag = BOOLEAN_SPELLINGS[(raw as string).trim().toLowerCase()];
  return flag === undefined ? expected('true or false') : ok(flag);
};

const wholeNumber =
  (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  (raw: string | undefined): Reading<number> => {
    if (blank(raw)) return ok(fallback);
    const n = Number((raw as string).trim());
    const rule = max === Number.MAX_SAFE_INTEGER ? 'a positive whole number' : `a whole number from 1 to ${max}`;
    return Number.isInteger(n) && n >= 1 && n <= max ? ok(n) : expected(rule);
  };

const oneOf =
  <T extends string>(choices: readonly T[], fallback: T) =>
  (raw: string | undefined): Reading<T> => {
    const value = blank(raw) ? fallback : (raw as string).trim();
    return (choices as readonly string[]).includes(value) ? ok(value as T) : expected(listChoices(choices));
  };

/** "a, b or c". */
const listChoices = (choices: readonly string[]): string =>
  choices.length < 2 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;

const listOf = (pattern: RegExp, what: string) => (raw: string | undefined) => {
  const items = commaList(raw);
  return items.every((item) => pattern.test(item)) ? ok(items) : expected(what);
};

const optionalText = (pattern: RegExp, what: string) => (raw: string | undefined) => {
  const value = raw?.trim() ?? '';
  if (value === '') return ok(undefined);
  return pattern.test(value) ? ok(value) : expected(what);
};

const schedule =
  (fallback: string, offAllowed: boolean) =>
  (raw: string | undefined): Reading<string | undefined> => {
    const value = blank(raw) ? fallback : (raw as string).trim();
    if (offAllowed && OFF_SPELLINGS.includes(value.toLowerCase())) return ok(undefined);
    if (SCHEDULE_EXPRESSION_PATTERN.test(value)) return ok(value);
    return expected(`rate(<n> minutes|hours|days), cron(<expression>)${offAllowed ? ', or off' : ''}`);
  };

/** A reserved concurrency, or undefined for none ("off"). Never 0: that would stop the function altogether. */
const reservation =
  (fallback: number) =>
  (raw: string | undefined): Reading<number | undefined> => {
    if (!blank(raw) && OFF_SPELLINGS.includes((raw as string).trim().toLowerCase())) return ok(undefined);
    const n = wholeNumber(fallback, RESERVED_CONCURRENCY_MAX)(raw);
    return n.ok ? n : expected(`a whole number from 1 to ${RESERVED_CONCURRENCY_MAX}, or off`);
  };

// --- The settings --------------------------------------------------------------------------------------------------

export const SETTINGS = {
  rolePrefixes: setting<string[]>({
    param: 'rolePrefixes',
    env: 'ROLE_PREFIXES',
    read: (raw) => {
      const prefixes = commaList(blank(raw) ? DEFAULTS.rolePrefix : raw);
      const valid = prefixes.length > 0 && prefixes.every((p) => ROLE_PREFIX_PATTERN.test(p));
      return valid
        ? ok(prefixes)
        : expected('a comma-separated list of IAM role-name prefixes (letters, digits, +=.@_-; no wildcards)');
    },
  }),
  policyProfile: setting({
    param: 'policyProfile',
    env: 'POLICY_PROFILE',
    read: oneOf(POLICY_PROFILES, DEFAULTS.policyProfile),
  }),
  policyName: setting({
    param: 'policyName',
    env: 'POLICY_NAME',
    read: (raw) => {
      const name = blank(raw) ? DEFAULTS.policyName : (raw as string).trim();
      return POLICY_NAME_PATTERN.test(name)
        ? ok(name)
        : expected('an IAM policy name (1-128 of letters, digits, +=,.@_-)');
    },
  }),
  dryRun: setting({ param: 'dryRun', env: 'DRY_RUN', read: booleanFlag(false) }),
  /** Grant the account's own (custom) Code Interpreters too; their code runs with their own role. */
  customInterpreters: setting({ param: 'customInterpreters', env: 'CUSTOM_INTERPRETERS', read: booleanFlag(false) }),
  /**
   * Delete our own policy from a prefixed role whose trust policy fails the trust gate. Off by default: a person
   * decides, with the alert in hand, whether the role or its trust policy is what is wrong.
   */
  removeFromUntrusted: setting({
    param: 'removeFromUntrusted',
    env: 'REMOVE_FROM_UNTRUSTED',
    read: booleanFlag(false),
  }),
  roleNotFoundRetrySeconds: setting({
    env: 'ROLE_NOT_FOUND_RETRY_SECONDS',
    read: wholeNumber(DEFAULTS.roleNotFoundRetrySeconds),
  }),
  iamMaxAttempts: setting({ env: 'IAM_MAX_ATTEMPTS', read: wholeNumber(DEFAULTS.iamMaxAttempts) }),
  sweepConcurrency: setting({
    param: 'reconcileConcurrency',
    env: 'SWEEP_CONCURRENCY',
    read: wholeNumber(DEFAULTS.sweepConcurrency, SWEEP_CONCURRENCY_MAX),
  }),
  reconcileSchedule: setting({ param: 'reconcileSchedule', read: schedule(DEFAULTS.reconcileSchedule, true) }),
  remediateReservedConcurrency: setting({
    param: 'remediateReservedConcurrency',
    read: reservation(DEFAULTS.remediateReservedConcurrency),
  }),
  alertEmail: setting({ param: 'alertEmail', read: optionalText(EMAIL_PATTERN, 'one e-mail address') }),

  healthSchedule: setting({
    param: 'healthSchedule',
    read: (raw) => {
      const reading = schedule(DEFAULTS.healthSchedule, false)(raw);
      return reading.ok ? ok(reading.value as string) : reading;
    },
  }),
  /** `off`: no prompt probes at all, the hourly permission probe only. */
  promptSchedule: setting({ param: 'promptSchedule', read: schedule(DEFAULTS.promptSchedule, true) }),
  agentRuntimeArns: setting({
    param: 'agentRuntimeArns',
    env: 'AGENT_RUNTIME_ARNS',
    read: listOf(
      AGENT_RUNTIME_ARN_PATTERN,
      'comma-separated agent runtime ARNs (arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>), or empty for discovery',
    ),
  }),
  agentRegions: setting({
    param: 'agentRegions',
    env: 'AGENT_REGIONS',
    read: listOf(REGION_PATTERN, 'comma-separated AWS regions, or empty for the stack region'),
  }),
  healthProbe: setting({ param: 'healthProbe', env: 'HEALTH_PROBE', read: oneOf(HEALTH_PROBES, DEFAULTS.healthProbe) }),
  healthPrompt: setting({
    param: 'healthPrompt',
    env: 'HEALTH_PROMPT',
    read: (raw) => ok(raw?.trim() || undefined),
  }),
  healthExpect: setting({
    param: 'healthExpect',
    env: 'HEALTH_EXPECT',
    read: (raw): Reading<string | undefined> => {
      if (blank(raw)) return ok(undefined);
      try {
        new RegExp(raw as string);
        return ok(raw);
      } catch {
        return expected('a regular expression');
      }
    },
  }),
  selfHeal: setting({ param: 'selfHeal', env: 'SELF_HEAL', read: booleanFlag(true) }),
  directProbe: setting({ param: 'directProbe', env: 'DIRECT_PROBE', read: booleanFlag(false) }),
  probeTimeoutSeconds: setting({
    param: 'probeTimeoutSeconds',
    env: 'PROBE_TIMEOUT_SECONDS',
    read: wholeNumber(DEFAULTS.probeTimeoutSeconds, PROBE_TIMEOUT_MAX_SECONDS),
  }),
  alertReminderHours: setting({
    param: 'alertReminderHours',
    env: 'ALERT_REMINDER_HOURS',
    read: wholeNumber(DEFAULTS.alertReminderHours),
  }),
  slackWebhookParameter: setting({
    param: 'slackWebhookParameter',
    env: 'SLACK_WEBHOOK_PARAMETER',
    read: optionalText(SSM_PARAMETER_NAME_PATTERN, 'an SSM parameter name'),
  }),

  // --- Organization: central alerts and the fleet report's audit role -------------------------------------------
  /** The administrator account's alerts topic; empty: alerts go to the stack's own topic. */
  centralAlertTopicArn: setting({
    param: 'centralAlertTopicArn',
    read: optionalText(
      CENTRAL_ALERT_TOPIC_ARN_PATTERN,
      'an SNS topic ARN in us-east-1 (arn:<partition>:sns:us-east-1:<account>:<name>), or empty',
    ),
  }),
  /** The KMS key that encrypts the central topic, when it is encrypted: the functions need to use it to publish. */
  centralAlertKeyArn: setting({
    param: 'centralAlertKeyArn',
    read: optionalText(
      KMS_KEY_ARN_PATTERN,
      'a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or empty',
    ),
  }),
  /** The account the fleet report runs from; empty: no audit role. */
  auditAdministratorAccount: setting({
    param: 'auditAdministratorAccount',
    read: optionalText(AWS_ACCOUNT_PATTERN, 'a 12-digit AWS account id, or empty'),
  }),
  /** When set, the audit role also requires its caller to belong to this organization. */
  organizationId: setting({
    param: 'organizationId',
    read: optionalText(ORGANIZATION_ID_PATTERN, 'an organization id (o-…), or empty'),
  }),
  fleetConcurrency: setting({
    env: 'FLEET_CONCURRENCY',
    read: wholeNumber(DEFAULTS.fleetConcurrency, FLEET_CONCURRENCY_MAX),
  }),
  auditRoleName: setting({
    env: 'AUDIT_ROLE_NAME',
    read: (raw) => {
      const name = blank(raw) ? DEFAULTS.auditRoleName : (raw as string).trim();
      return ROLE_NAME_PATTERN.test(name) ? ok(name) : expected('an IAM role name (1-64 of letters, digits, +=,.@_-)');
    },
  }),
  remediatedWindowDays: setting({
    read: wholeNumber(DEFAULTS.remediatedWindowDays, REMEDIATED_WINDOW_MAX_DAYS),
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
/** The value type of a setting. */
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N] extends Setting<infer T> ? T : never;

/**
 * The custom probe's rule across two settings: it needs its prompt and the pattern the reply must match.
 * Returns the setting that is missing, or undefined when the probe is not custom or both are there.
 */
export function missingForCustomProbe(
  probe: HealthProbeName,
  prompt: string | undefined,
  expectPattern: string | undefined,
): { setting: 'healthPrompt' | 'healthExpect'; expected: string } | undefined {
  if (probe !== 'custom') return undefined;
  if (!prompt) return { setting: 'healthPrompt', expected: 'the custom probe prompt' };
  if (!expectPattern) return { setting: 'healthExpect', expected: 'a regular expression the reply must match' };
  return undefined;
}

// --- AgentCore runtime events --------------------------------------------------------------------------------------

/**
 * The region of the home stack: IAM's CloudTrail events reach EventBridge only there, so the stack lives there and
 * every other region forwards AgentCore's runtime events to its default bus.
 */
export const HOME_REGION = 'us-east-1';

/**
 * The CloudTrail management events that name a runtime's execution role, whatever tool made the runtime:
 * `requestParameters.roleArn` of CreateAgentRuntime and UpdateAgentRuntime. EventBridge delivers CloudTrail events of
 * `bedrock-agentcore.amazonaws.com` with the source `aws.bedrock-agentcore`, in the region of the call.
 */
export const RUNTIME_EVENTS = {
  source: 'aws.bedrock-agentcore',
  detailType: 'AWS API Call via CloudTrail',
  eventSource: 'bedrock-agentcore.amazonaws.com',
  eventNames: ['CreateAgentRuntime', 'UpdateAgentRuntime'],
} as const;

/**
 * The one event pattern for runtime events: the home stack's rule and every region's forwarder are made from it, and
 * `doctor` compares deployed forwarders with it. `account` is this account (`{ Ref: 'AWS::AccountId' }` in a
 * template, the account ID elsewhere): events another account sends to our bus never reach a write.
 */
export function runtimeEventPattern<Account>(account: Account) {
  return {
    source: [RUNTIME_EVENTS.source],
    'detail-type': [RUNTIME_EVENTS.detailType],
    account: [account],
    detail: {
      eventSource: [RUNTIME_EVENTS.eventSource],
      eventName: [...RUNTIME_EVENTS.eventNames],
      // Failed calls produce events too (errorCode set, no runtime made): never deliver them.
      errorCode: [{ exists: false }],
    },
  };
}
