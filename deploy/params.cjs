'use strict';
/**
 * Variable resolvers for serverless.yml: `${file(./deploy/params.cjs):<name>}`.
 * They turn the `--param` strings into the shapes CloudFormation needs (one event-pattern entry and one IAM
 * resource ARN per role-name prefix) and reject bad values at package time instead of at the first event.
 * The rules mirror src/config.ts, which validates the same values again when the function starts.
 */

const { ParamError, param, bool, positiveInt } = require('./param-rules.cjs');

const DEFAULT_ROLE_PREFIX = 'AmazonBedrockAgentCoreSDKRuntime-';
// IAM role names: letters, digits and +=,.@_- ; a prefix is the start of one (no wildcards).
const ROLE_PREFIX = /^[\w+=.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PROFILES = ['least-privilege', 'seed'];
// Loose on purpose: SNS sends a confirmation mail, this only catches typos such as a missing "@".
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

async function rolePrefixes({ resolveVariable }) {
  const raw = (await param(resolveVariable, 'rolePrefixes')) || DEFAULT_ROLE_PREFIX;
  const prefixes = [
    ...new Set(
      raw
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ];
  const bad = prefixes.filter((p) => !ROLE_PREFIX.test(p));
  if (prefixes.length === 0 || bad.length > 0) {
    throw new ParamError(
      'rolePrefixes',
      raw,
      'a comma-separated list of IAM role-name prefixes (letters, digits, +=.@_-; no wildcards)',
    );
  }
  return prefixes;
}

module.exports = {
  /** The prefixes as the function's ROLE_PREFIXES environment variable. */
  rolePrefixesCsv: async (ctx) => (await rolePrefixes(ctx)).join(','),

  /** EventBridge content filter: the role name starts with one of the prefixes. */
  roleNamePatterns: async (ctx) => (await rolePrefixes(ctx)).map((prefix) => ({ prefix })),

  /** IAM resources the remediation function may act on: only roles whose name starts with a prefix. */
  roleArns: async (ctx) =>
    (await rolePrefixes(ctx)).map((prefix) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${prefix}*`,
    })),

  policyProfile: async ({ resolveVariable }) => {
    const value = (await param(resolveVariable, 'policyProfile')) || 'least-privilege';
    if (!PROFILES.includes(value)) throw new ParamError('policyProfile', value, PROFILES.join(' or '));
    return value;
  },

  policyName: async ({ resolveVariable }) => {
    const value = (await param(resolveVariable, 'policyName')) || 'CodeInterpreterAccess';
    if (!POLICY_NAME.test(value)) throw new ParamError('policyName', value, 'an IAM policy name (1-128 of \\w+=,.@-)');
    return value;
  },

  dryRun: async ({ resolveVariable }) => bool(resolveVariable, 'dryRun', 'false'),

  /** '' when no alert e-mail is wanted (the subscription is then left out by a Condition). */
  alertEmail: async ({ resolveVariable }) => {
    const value = await param(resolveVariable, 'alertEmail');
    if (value !== '' && !EMAIL.test(value)) throw new ParamError('alertEmail', value, 'one e-mail address');
    return value;
  },
};

// EventBridge schedule expressions: rate(1 hour), rate(6 hours), cron(0 */6 * * ? *).
const SCHEDULE = /^(rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/;
const SCHEDULE_OFF = ['off', 'none', 'disabled', 'false'];

Object.assign(module.exports, {
  /** The reconcile function's events: one schedule, or none when reconcileSchedule=off. */
  reconcileEvents: async ({ resolveVariable }) => {
    const value = (await param(resolveVariable, 'reconcileSchedule')) || 'rate(6 hours)';
    if (SCHEDULE_OFF.includes(value.toLowerCase())) return [];
    if (!SCHEDULE.test(value)) {
      throw new ParamError('reconcileSchedule', value, 'rate(<n> minutes|hours|days), cron(<expression>), or off');
    }
    const service = await resolveVariable('self:service');
    const stage = await resolveVariable('sls:stage');
    return [
      {
        schedule: {
          name: `${service}-${stage}-reconcile`,
          description: 'Sweeps every prefixed role (agentcore-guard reconcile).',
          rate: [value],
        },
      },
    ];
  },

  /** Roles the reconcile sweep handles at once. */
  reconcileConcurrency: async ({ resolveVariable }) => {
    return positiveInt(resolveVariable, 'reconcileConcurrency', 4, 99);
  },
});
