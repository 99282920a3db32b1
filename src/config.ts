import { z } from 'zod/mini';
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
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const truthy = new Set(['true', '1', 'yes']);
const falsy = new Set(['false', '0', 'no', '']);

const booleanFlag = z.pipe(
  z.optional(z.string()),
  z.transform((value, ctx) => {
    const v = (value ?? '').trim().toLowerCase();
    if (truthy.has(v)) return true;
    if (falsy.has(v)) return false;
    ctx.issues.push({ code: 'custom', input: value, message: 'expected true or false' });
    return z.NEVER;
  }),
);

const positiveInt = (fallback: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) return n;
      ctx.issues.push({ code: 'custom', input: value, message: 'expected a positive whole number' });
      return z.NEVER;
    }),
  );

// IAM role names: letters, digits and +=,.@_- ; a prefix is a role name's start.
const rolePrefixPattern = /^[\w+=,.@-]{1,64}$/;

const EnvSchema = z.object({
  ROLE_PREFIXES: z.pipe(
    z.optional(z.string()),
    z.transform((value, ctx) => {
      const prefixes = (value ?? DEFAULT_ROLE_PREFIX)
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0);
      if (prefixes.length === 0) {
        ctx.issues.push({ code: 'custom', input: value, message: 'needs at least one role-name prefix' });
        return z.NEVER;
      }
      const bad = prefixes.filter((p) => !rolePrefixPattern.test(p));
      if (bad.length > 0) {
        ctx.issues.push({ code: 'custom', input: value, message: `not valid role-name prefixes: ${bad.join(', ')}` });
        return z.NEVER;
      }
      return prefixes;
    }),
  ),
  POLICY_PROFILE: z.pipe(
    z.optional(z.string()),
    z.transform((value, ctx): PolicyProfileName => {
      const v = value?.trim() || 'least-privilege';
      if (v === 'least-privilege' || v === 'seed') return v;
      ctx.issues.push({ code: 'custom', input: value, message: 'expected least-privilege or seed' });
      return z.NEVER;
    }),
  ),
  POLICY_NAME: z.pipe(
    z.optional(z.string()),
    z.transform((value, ctx) => {
      const v = value?.trim() || DEFAULT_POLICY_NAME;
      if (/^[\w+=,.@-]{1,128}$/.test(v)) return v;
      ctx.issues.push({ code: 'custom', input: value, message: 'not a valid IAM policy name' });
      return z.NEVER;
    }),
  ),
  DRY_RUN: booleanFlag,
  ROLE_NOT_FOUND_RETRY_SECONDS: positiveInt(30),
  IAM_MAX_ATTEMPTS: positiveInt(8),
  SWEEP_CONCURRENCY: positiveInt(4),
  AWS_REGION: z.optional(z.string()),
  AWS_DEFAULT_REGION: z.optional(z.string()),
});

/**
 * Reads and validates the environment once. The only place that reads `process.env`
 * for settings; everything else receives a `Config`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = z.safeParse(EnvSchema, env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(
      `Invalid agentcore-guard settings (${problems}). Fix the environment or the --param values and redeploy.`,
    );
  }
  const e = parsed.data;
  return {
    region: e.AWS_REGION || e.AWS_DEFAULT_REGION || 'us-east-1',
    rolePrefixes: e.ROLE_PREFIXES,
    policyProfile: e.POLICY_PROFILE,
    policyName: e.POLICY_NAME,
    dryRun: e.DRY_RUN,
    roleNotFoundRetryMs: e.ROLE_NOT_FOUND_RETRY_SECONDS * 1000,
    iamMaxAttempts: e.IAM_MAX_ATTEMPTS,
    sweepConcurrency: e.SWEEP_CONCURRENCY,
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
