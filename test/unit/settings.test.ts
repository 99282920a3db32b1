import { describe, expect, it } from 'vitest';
import {
  AGENT_RUNTIME_ARN_PATTERN,
  DEFAULTS,
  missingForCustomProbe,
  REGION_PATTERN,
  ROLE_PREFIX_PATTERN,
  SCHEDULE_EXPRESSION_PATTERN,
  SETTINGS,
} from '../../src/settings.js';

const value = <T>(reading: { ok: true; value: T } | { ok: false; expected: string }) =>
  reading.ok ? reading.value : `invalid: ${reading.expected}`;

describe('settings', () => {
  it('name each environment variable and each --param once', () => {
    // Act
    const envs = Object.values(SETTINGS).flatMap((s) => ('env' in s && s.env ? [s.env] : []));
    const params = Object.values(SETTINGS).flatMap((s) => ('param' in s && s.param ? [s.param] : []));
    // Assess
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(params).size).toBe(params.length);
  });

  it('give their defaults when unset or blank', () => {
    // Act / Assess
    expect(value(SETTINGS.rolePrefixes.read(undefined))).toEqual([DEFAULTS.rolePrefix]);
    expect(value(SETTINGS.policyName.read('  '))).toBe('CodeInterpreterAccess');
    expect(value(SETTINGS.sweepConcurrency.read(''))).toBe(4);
    expect(value(SETTINGS.probeTimeoutSeconds.read(undefined))).toBe(120);
    expect(value(SETTINGS.reconcileSchedule.read(undefined))).toBe('rate(6 hours)');
    expect(value(SETTINGS.customInterpreters.read(undefined))).toBe(false);
  });

  it('read a prefix list trimmed and without duplicates, and refuse one with nothing in it', () => {
    // Act / Assess
    expect(value(SETTINGS.rolePrefixes.read(' A-, B- ,A-'))).toEqual(['A-', 'B-']);
    expect(value(SETTINGS.rolePrefixes.read(' , '))).toMatch(/^invalid: /);
  });

  it('accept every boolean spelling in any case, and nothing else', () => {
    // Act
    const read = (raw: string) => value(SETTINGS.dryRun.read(raw));
    // Assess
    expect(['TRUE', '1', 'Yes'].map(read)).toEqual([true, true, true]);
    expect(['False', '0', 'NO'].map(read)).toEqual([false, false, false]);
    expect(read('on')).toBe('invalid: true or false');
  });

  it('turn the reconcile schedule off by any off spelling', () => {
    // Act / Assess
    expect(['off', 'None', 'DISABLED', 'false'].map((raw) => value(SETTINGS.reconcileSchedule.read(raw)))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('say which custom-probe setting is missing', () => {
    // Act / Assess
    expect(missingForCustomProbe('custom', undefined, 'x')?.setting).toBe('healthPrompt');
    expect(missingForCustomProbe('custom', 'prompt', undefined)?.setting).toBe('healthExpect');
    expect(missingForCustomProbe('custom', 'prompt', 'x')).toBeUndefined();
    expect(missingForCustomProbe('proof', undefined, undefined)).toBeUndefined();
  });
});

describe('the rules', () => {
  it('take a role-name prefix of IAM name characters, without the list separator or wildcards', () => {
    // Act / Assess
    expect(['AmazonBedrockAgentCoreSDKRuntime-', 'a+=.@_-'].every((p) => ROLE_PREFIX_PATTERN.test(p))).toBe(true);
    expect(['Team,', 'Team*', 'Team?', 'team/x', 'a'.repeat(65)].some((p) => ROLE_PREFIX_PATTERN.test(p))).toBe(false);
  });

  it('take rate and cron schedule expressions, and no zero rate', () => {
    // Act / Assess
    expect(
      ['rate(1 hour)', 'rate(15 minutes)', 'cron(0 */6 * * ? *)'].every((s) => SCHEDULE_EXPRESSION_PATTERN.test(s)),
    );
    expect(
      ['rate(0 hours)', 'rate(1 week)', 'every hour', 'cron(())'].some((s) => SCHEDULE_EXPRESSION_PATTERN.test(s)),
    ).toBe(false);
  });

  it('take agent runtime ARNs of any partition, and regions', () => {
    // Act / Assess
    expect(AGENT_RUNTIME_ARN_PATTERN.test('arn:aws-cn:bedrock-agentcore:cn-north-1:123456789012:runtime/a_b-1')).toBe(
      true,
    );
    expect(AGENT_RUNTIME_ARN_PATTERN.test('arn:aws:iam::123456789012:role/x')).toBe(false);
    expect(['us-east-1', 'us-gov-west-1'].every((r) => REGION_PATTERN.test(r))).toBe(true);
    expect(REGION_PATTERN.test('useast1')).toBe(false);
  });
});
