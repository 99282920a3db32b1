/**
 * Variable resolvers for serverless.yml: `${file(./deploy/params.cjs):<name>}` (params.cjs loads this file).
 *
 * They read the `--param` values through the same rules src/config.ts applies to the functions' environment
 * (src/settings.ts), reject a bad value at package time instead of at the first event, and turn the values into the
 * shapes the template needs: one event-pattern entry and one IAM resource ARN per role-name prefix, environment
 * strings, schedules.
 */
import {
  AWS_ACCOUNT_PATTERN,
  CENTRAL_ALERT_TOPIC_ARN_PATTERN,
  EMAIL_PATTERN,
  KMS_KEY_ARN_PATTERN,
  missingForCustomProbe,
  ORGANIZATION_ID_PATTERN,
  type ProbeTier,
  runtimeEventPattern as runtimeEventPatternFor,
  DEFAULTS as SETTING_DEFAULTS,
  SETTINGS,
  type SettingName,
  type SettingValue,
  SSM_PARAMETER_NAME_PATTERN,
} from '../src/settings.js';

/** What osls hands a resolver (only what these use). */
export interface ResolverContext {
  resolveVariable: (address: string) => Promise<unknown>;
}

export class ParamError extends Error {
  override name = 'ParamError';
  constructor(param: string, value: string, expected: string) {
    super(`--param ${param}=${JSON.stringify(value)} is not valid: expected ${expected}.`);
    // osls prints the stack of a rejected resolver; the message is the useful part.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The param's text; undefined when it is not set (`, null`: osls would otherwise call a missing param an error). */
async function paramText({ resolveVariable }: ResolverContext, param: string): Promise<string | undefined> {
  const value = await resolveVariable(`param:${param}, null`);
  return value == null ? undefined : String(value);
}

/** A setting from its `--param`, by the rule in src/settings.ts, or a ParamError saying what was expected. */
export async function readParam<N extends SettingName>(ctx: ResolverContext, name: N): Promise<SettingValue<N>> {
  const setting = SETTINGS[name];
  if (!setting.param) throw new TypeError(`Setting ${name} has no --param.`);
  const raw = await paramText(ctx, setting.param);
  const reading = setting.read(raw);
  if (!reading.ok) throw new ParamError(setting.param, raw ?? '', reading.expected);
  return reading.value as SettingValue<N>;
}

/** A CloudFormation AllowedPattern: the rule, or empty. */
const emptyOr = (pattern: RegExp): string => `^$|${pattern.source}`;

const text = (value: string | undefined): string => value ?? '';

// --- Role prefixes, policy --------------------------------------------------------------------------------------------

/** The prefixes as the functions' ROLE_PREFIXES environment variable. */
export const rolePrefixesCsv = async (ctx: ResolverContext) => (await readParam(ctx, 'rolePrefixes')).join(',');

/** EventBridge content filter: the role name starts with one of the prefixes. */
export const roleNamePatterns = async (ctx: ResolverContext) =>
  (await readParam(ctx, 'rolePrefixes')).map((prefix) => ({ prefix }));

/** IAM resources the functions may act on: only roles whose name starts with a prefix. */
export const roleArns = async (ctx: ResolverContext) =>
  (await readParam(ctx, 'rolePrefixes')).map((prefix) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${prefix}*`,
  }));

export const policyProfile = (ctx: ResolverContext) => readParam(ctx, 'policyProfile');
export const policyName = (ctx: ResolverContext) => readParam(ctx, 'policyName');
export const dryRun = async (ctx: ResolverContext) => String(await readParam(ctx, 'dryRun'));
export const removeFromUntrusted = async (ctx: ResolverContext) => String(await readParam(ctx, 'removeFromUntrusted'));
export const customInterpreters = async (ctx: ResolverContext) => String(await readParam(ctx, 'customInterpreters'));

// --- Alerts -----------------------------------------------------------------------------------------------------------

/** '' when no alert e-mail is wanted (the subscription is then left out by a Condition). */
export const alertEmail = async (ctx: ResolverContext) => text(await readParam(ctx, 'alertEmail'));
export const alertEmailAllowedPattern = async () => emptyOr(EMAIL_PATTERN);

// --- Reconcile and remediate ------------------------------------------------------------------------------------------

/** The reconcile function's events: one schedule, or none when reconcileSchedule=off. */
export async function reconcileEvents(ctx: ResolverContext) {
  const expression = await readParam(ctx, 'reconcileSchedule');
  if (expression === undefined) return [];
  const service = await ctx.resolveVariable('self:service');
  const stage = await ctx.resolveVariable('sls:stage');
  return [
    {
      schedule: {
        name: `${service}-${stage}-reconcile`,
        description: 'Sweeps every prefixed role (agentcore-guard reconcile).',
        rate: [expression],
      },
    },
  ];
}

/** Roles the reconcile sweep handles at once. */
export const reconcileConcurrency = async (ctx: ResolverContext) => String(await readParam(ctx, 'sweepConcurrency'));

/** The sweep's IAM attempts: more than one event's, since a sweep is throttled by IAM's quota by design. */
export const sweepIamMaxAttempts = async () => String(SETTING_DEFAULTS.sweepIamMaxAttempts);

/** The remediate function's reserved concurrency as a stack parameter value: a number, or "off". */
export const remediateReservedConcurrency = async (ctx: ResolverContext) =>
  String((await readParam(ctx, 'remediateReservedConcurrency')) ?? 'off');

// --- Health check -----------------------------------------------------------------------------------------------------

export const healthSchedule = (ctx: ResolverContext) => readParam(ctx, 'healthSchedule');

/**
 * The healthcheck function's two schedules, one function: the permission probe for every agent on `healthSchedule`
 * (input `{"probes":"permission"}`: IAM calls only, no model tokens), and the prompt probe on `promptSchedule`
 * (input `{"probes":"all"}`), left out when promptSchedule=off.
 */
export async function healthcheckEvents(ctx: ResolverContext) {
  const permission = await readParam(ctx, 'healthSchedule');
  const prompt = await readParam(ctx, 'promptSchedule');
  const service = await ctx.resolveVariable('self:service');
  const stage = await ctx.resolveVariable('sls:stage');
  const tier = (probes: ProbeTier) => ({ probes });
  return [
    {
      schedule: {
        name: `${service}-${stage}-healthcheck`,
        description: 'Permission probe of every agent (IAM only, no model tokens).',
        rate: [permission],
        input: tier('permission'),
      },
    },
    ...(prompt === undefined
      ? []
      : [
          {
            schedule: {
              name: `${service}-${stage}-healthcheck-prompt`,
              description: 'Permission and prompt probes of every agent not tagged agentcore-guard:probe=off.',
              rate: [prompt],
              input: tier('all'),
            },
          },
        ]),
  ];
}
export const agentRuntimeArnsCsv = async (ctx: ResolverContext) => (await readParam(ctx, 'agentRuntimeArns')).join(',');
export const agentRegionsCsv = async (ctx: ResolverContext) => (await readParam(ctx, 'agentRegions')).join(',');

/** The probe; the custom probe also needs its prompt and the pattern its reply must match. */
export async function healthProbe(ctx: ResolverContext) {
  const probe = await readParam(ctx, 'healthProbe');
  const missing = missingForCustomProbe(
    probe,
    await readParam(ctx, 'healthPrompt'),
    await readParam(ctx, 'healthExpect'),
  );
  if (missing) throw new ParamError(missing.setting, '', missing.expected);
  return probe;
}

export const healthPrompt = async (ctx: ResolverContext) => text(await readParam(ctx, 'healthPrompt'));
export const healthExpect = async (ctx: ResolverContext) => text(await readParam(ctx, 'healthExpect'));
export const probeTimeoutSeconds = async (ctx: ResolverContext) => String(await readParam(ctx, 'probeTimeoutSeconds'));
export const alertReminderHours = async (ctx: ResolverContext) => String(await readParam(ctx, 'alertReminderHours'));
export const selfHeal = async (ctx: ResolverContext) => String(await readParam(ctx, 'selfHeal'));
export const directProbe = async (ctx: ResolverContext) => String(await readParam(ctx, 'directProbe'));
export const slackWebhookParameter = async (ctx: ResolverContext) =>
  text(await readParam(ctx, 'slackWebhookParameter'));
export const slackWebhookParameterAllowedPattern = async () => emptyOr(SSM_PARAMETER_NAME_PATTERN);

// --- AgentCore runtime events -----------------------------------------------------------------------------------------

/**
 * The home stack's rule on CreateAgentRuntime / UpdateAgentRuntime: the same pattern every region's forwarder is made
 * from (deploy/forwarder-template.ts), with this account's ID filled in by CloudFormation.
 */
export const runtimeEventPattern = async () => runtimeEventPatternFor({ Ref: 'AWS::AccountId' });

// --- Organization -----------------------------------------------------------------------------------------------------

/** '' for alerts to the stack's own topic. A key without a topic to use it on is a mistake, not a no-op. */
export async function centralAlertTopicArn(ctx: ResolverContext) {
  const topic = text(await readParam(ctx, 'centralAlertTopicArn'));
  const key = await readParam(ctx, 'centralAlertKeyArn');
  if (key && !topic) {
    throw new ParamError(
      'centralAlertKeyArn',
      key,
      'no key without --param centralAlertTopicArn (the topic it encrypts)',
    );
  }
  return topic;
}
export const centralAlertTopicArnAllowedPattern = async () => emptyOr(CENTRAL_ALERT_TOPIC_ARN_PATTERN);
export const centralAlertKeyArn = async (ctx: ResolverContext) => text(await readParam(ctx, 'centralAlertKeyArn'));
export const centralAlertKeyArnAllowedPattern = async () => emptyOr(KMS_KEY_ARN_PATTERN);

/** '' for no audit role. */
export const auditAdministratorAccount = async (ctx: ResolverContext) =>
  text(await readParam(ctx, 'auditAdministratorAccount'));
export const auditAdministratorAccountAllowedPattern = async () => emptyOr(AWS_ACCOUNT_PATTERN);
export const organizationId = async (ctx: ResolverContext) => text(await readParam(ctx, 'organizationId'));
export const organizationIdAllowedPattern = async () => emptyOr(ORGANIZATION_ID_PATTERN);

/** The regions the health check searches, as the fleet report reads them from the stack: the stack's own when unset. */
export async function agentRegionsOutput(ctx: ResolverContext) {
  const regions = await readParam(ctx, 'agentRegions');
  return regions.length > 0 ? regions.join(',') : { Ref: 'AWS::Region' };
}
