import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to the toolkit prefix, the least-privilege profile and the seed policy name', () => {
    // Act
    const config = loadConfig({});
    // Assess
    expect(config).toMatchObject({
      rolePrefixes: ['AmazonBedrockAgentCoreSDKRuntime-'],
      policyProfile: 'least-privilege',
      policyName: 'CodeInterpreterAccess',
      dryRun: false,
      roleNotFoundRetryMs: 30_000,
    });
  });

  it('splits a comma-separated prefix list and trims it', () => {
    expect(loadConfig({ ROLE_PREFIXES: ' A-, B- ,' }).rolePrefixes).toEqual(['A-', 'B-']);
  });

  it('rejects an empty prefix list, since it would match nothing or everything', () => {
    expect(() => loadConfig({ ROLE_PREFIXES: ' , ' })).toThrow(ConfigError);
  });

  it('rejects an unknown policy profile with a message naming the choices', () => {
    expect(() => loadConfig({ POLICY_PROFILE: 'admin' })).toThrow(/least-privilege or seed/);
  });

  it('rejects a dry-run value that is neither true nor false', () => {
    expect(() => loadConfig({ DRY_RUN: 'maybe' })).toThrow(/DRY_RUN/);
  });

  it('reads dry-run and the retry budget', () => {
    expect(loadConfig({ DRY_RUN: 'true', ROLE_NOT_FOUND_RETRY_SECONDS: '5' })).toMatchObject({
      dryRun: true,
      roleNotFoundRetryMs: 5_000,
    });
  });
});

const ARN = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';

describe('health-check settings', () => {
  it('default to discovery in the own region, the proof probe, self-heal on and a daily reminder', () => {
    // Act
    const { health } = loadConfig({ AWS_REGION: 'us-east-1' });
    // Assess
    expect(health).toMatchObject({
      agentRuntimeArns: [],
      discoveryRegions: ['us-east-1'],
      probe: 'proof',
      selfHeal: true,
      directProbe: false,
      alertReminderMs: 24 * 3_600_000,
    });
  });

  it('read a comma list of agent runtime ARNs', () => {
    expect(
      loadConfig({ AGENT_RUNTIME_ARNS: ` ${ARN}, ${ARN.replace('west', 'east')} ` }).health.agentRuntimeArns,
    ).toEqual([ARN, ARN.replace('west', 'east')]);
  });

  it('reject something that is not an agent runtime ARN, naming it', () => {
    expect(() => loadConfig({ AGENT_RUNTIME_ARNS: 'arn:aws:iam::123456789012:role/x' })).toThrow(/role\/x/);
  });

  it('turn self-heal off only when asked to', () => {
    expect(loadConfig({ SELF_HEAL: 'false' }).health.selfHeal).toBe(false);
    expect(() => loadConfig({ SELF_HEAL: 'sometimes' })).toThrow(ConfigError);
  });

  it('need a prompt and a valid pattern for the custom probe', () => {
    expect(() => loadConfig({ HEALTH_PROBE: 'custom', HEALTH_PROMPT: 'What is 2**10?' })).toThrow(/HEALTH_EXPECT/);
    expect(() => loadConfig({ HEALTH_PROBE: 'custom', HEALTH_PROMPT: 'x', HEALTH_EXPECT: '(' })).toThrow(
      /regular expression/,
    );
    expect(
      loadConfig({ HEALTH_PROBE: 'custom', HEALTH_PROMPT: 'What is 2**10?', HEALTH_EXPECT: '\\b1024\\b' }).health,
    ).toMatchObject({ probe: 'custom', customExpect: '\\b1024\\b' });
  });

  it('reject an unknown probe', () => {
    expect(() => loadConfig({ HEALTH_PROBE: 'vibes' })).toThrow(/proof, seed or custom/);
  });
});
