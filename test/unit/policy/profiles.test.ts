import { describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../../src/aws/arn.js';
import { buildPolicyDocument, CODE_INTERPRETER_ACTIONS } from '../../../src/policy/profiles.js';

describe('buildPolicyDocument', () => {
  const role = parseRoleArn('arn:aws-us-gov:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-x');

  it('grants only the Code Interpreter actions on AWS-managed interpreters by default', () => {
    // Act
    const doc = buildPolicyDocument('least-privilege', role);
    // Assess
    expect(doc.Statement).toEqual([
      {
        Sid: 'AgentCoreGuardCodeInterpreter',
        Effect: 'Allow',
        Action: CODE_INTERPRETER_ACTIONS.filter((a) => a !== 'bedrock-agentcore:GetCodeInterpreter'),
        Resource: ['arn:aws-us-gov:bedrock-agentcore:*:aws:code-interpreter/*'],
      },
    ]);
  });

  it('adds the account’s own interpreters, and the action only they have, when custom interpreters are asked for', () => {
    // Act
    const doc = buildPolicyDocument('least-privilege', role, { customInterpreters: true });
    // Assess
    expect(doc.Statement).toEqual([
      {
        Sid: 'AgentCoreGuardCodeInterpreter',
        Effect: 'Allow',
        Action: [...CODE_INTERPRETER_ACTIONS],
        Resource: [
          'arn:aws-us-gov:bedrock-agentcore:*:aws:code-interpreter/*',
          'arn:aws-us-gov:bedrock-agentcore:*:123456789012:code-interpreter/*',
          'arn:aws-us-gov:bedrock-agentcore:*:123456789012:code-interpreter-custom/*',
        ],
      },
    ]);
  });

  it('ignores the custom-interpreter option for the seed profile, whose document is verbatim', () => {
    // Act / Assess
    expect(buildPolicyDocument('seed', role, { customInterpreters: true })).toEqual(buildPolicyDocument('seed', role));
  });

  it('gives the seed document verbatim for the seed profile', () => {
    // Act
    const doc = buildPolicyDocument('seed', role);
    // Assess
    const statements = doc.Statement as { Sid: string; Action: string[] }[];
    expect(statements.map((s) => s.Sid)).toEqual([
      'BedrockAgentCoreAccess',
      'BedrockInvokeModel',
      'CodeInterpreterAccess',
      'CloudWatchLogs',
    ]);
    expect(statements[2]?.Action).toEqual(['bedrock:InvokeCodeInterpreter', 'bedrock:ExecuteCode']);
  });
});

describe('the seed profile', () => {
  it('is the seed document’s Step 1 policy, statement for statement', async () => {
    // Prepare: copied verbatim from the seed (../shared/seed), Step 1.
    const { default: seed } = await import('../../fixtures/seed-policy.json', { with: { type: 'json' } });
    // Act
    const doc = buildPolicyDocument(
      'seed',
      parseRoleArn('arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-x'),
    );
    // Assess
    expect(doc).toEqual(seed);
  });
});
