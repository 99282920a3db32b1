'use strict';
/**
 * Variable resolvers for the health check's part of serverless.yml: `${file(./deploy/health-params.cjs):<name>}`.
 * They reject bad `--param` values at package time; src/config.ts validates the same values again at start-up.
 */

const { ParamError, param, bool, positiveInt } = require('./param-rules.cjs');

const AGENT_RUNTIME_ARN = /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z0-9_-]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const PROBES = ['proof', 'seed', 'custom'];
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/;
const SSM_NAME = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/;
// The function's timeout is 900 s; one probe must leave room for the others and the alerting.
const MAX_PROBE_TIMEOUT_SECONDS = 600;

const list = (raw) =>
  raw
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

async function slackWebhookParameter({ resolveVariable }) {
  const value = await param(resolveVariable, 'slackWebhookParameter');
  if (value && !SSM_NAME.test(value)) throw new ParamError('slackWebhookParameter', value, 'an SSM parameter name');
  return value;
}

module.exports = {
  healthSchedule: async ({ resolveVariable }) => {
    const value = (await param(resolveVariable, 'healthSchedule')) || 'rate(1 hour)';
    if (!SCHEDULE.test(value)) throw new ParamError('healthSchedule', value, 'rate(<n> <unit>) or cron(<expression>)');
    return value;
  },

  agentRuntimeArnsCsv: async ({ resolveVariable }) => {
    const raw = await param(resolveVariable, 'agentRuntimeArns');
    const arns = list(raw);
    if (arns.some((a) => !AGENT_RUNTIME_ARN.test(a))) {
      throw new ParamError(
        'agentRuntimeArns',
        raw,
        'comma-separated agent runtime ARNs (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>), or empty for discovery',
      );
    }
    return arns.join(',');
  },

  agentRegionsCsv: async ({ resolveVariable }) => {
    const raw = await param(resolveVariable, 'agentRegions');
    const regions = list(raw);
    if (regions.some((r) => !REGION.test(r))) {
      throw new ParamError('agentRegions', raw, 'comma-separated AWS regions, or empty for the stack region');
    }
    return regions.join(',');
  },

  healthProbe: async ({ resolveVariable }) => {
    const value = (await param(resolveVariable, 'healthProbe')) || 'proof';
    if (!PROBES.includes(value)) throw new ParamError('healthProbe', value, PROBES.join(', '));
    if (value === 'custom') {
      const prompt = await param(resolveVariable, 'healthPrompt');
      const expect = await param(resolveVariable, 'healthExpect');
      if (!prompt) throw new ParamError('healthPrompt', prompt, 'the custom probe prompt');
      try {
        new RegExp(expect);
      } catch {
        throw new ParamError('healthExpect', expect, 'a regular expression');
      }
      if (!expect) throw new ParamError('healthExpect', expect, 'a regular expression the reply must match');
    }
    return value;
  },

  healthPrompt: async ({ resolveVariable }) => param(resolveVariable, 'healthPrompt'),
  healthExpect: async ({ resolveVariable }) => param(resolveVariable, 'healthExpect'),

  probeTimeoutSeconds: async ({ resolveVariable }) =>
    positiveInt(resolveVariable, 'probeTimeoutSeconds', 120, MAX_PROBE_TIMEOUT_SECONDS),
  alertReminderHours: async ({ resolveVariable }) => positiveInt(resolveVariable, 'alertReminderHours', 24),
  selfHeal: async ({ resolveVariable }) => bool(resolveVariable, 'selfHeal', 'true'),
  directProbe: async ({ resolveVariable }) => bool(resolveVariable, 'directProbe', 'false'),

  slackWebhookParameter,
};
