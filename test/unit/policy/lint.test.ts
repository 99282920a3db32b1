import { describe, expect, it } from 'vitest';
import { lintAction, lintPolicy } from '../../../src/policy/lint.js';
import { leastPrivilegePolicy, seedPolicy } from '../../../src/policy/profiles.js';

describe('lintPolicy', () => {
  it('reports exactly the two seed actions that do not exist in IAM', async () => {
    // Act
    const findings = await lintPolicy(seedPolicy());
    // Assess
    expect(findings.map((f) => f.action).sort()).toEqual(['bedrock:ExecuteCode', 'bedrock:InvokeCodeInterpreter']);
    expect(findings.every((f) => f.problem === 'unknown-action')).toBe(true);
  });

  it('finds nothing wrong with the least-privilege profile', async () => {
    // Act
    const findings = await lintPolicy(leastPrivilegePolicy({ partition: 'aws', account: '123456789012' }));
    // Assess
    expect(findings).toEqual([]);
  });
});

describe('lintAction', () => {
  it('accepts a wildcard that matches real actions', async () => {
    expect(await lintAction('bedrock-agentcore:*CodeInterpreter*')).toBeUndefined();
  });

  it('reports a wildcard that matches nothing', async () => {
    expect((await lintAction('bedrock-agentcore:Nothing*Here'))?.problem).toBe('unknown-action');
  });

  it('reports an unknown service prefix', async () => {
    expect((await lintAction('bedrockz:InvokeModel'))?.problem).toBe('unknown-service');
  });

  it('reports an action without a service prefix', async () => {
    expect((await lintAction('InvokeModel'))?.problem).toBe('malformed-action');
  });
});
