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
