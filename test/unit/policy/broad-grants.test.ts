import { describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../../src/aws/arn.js';
import { broadGrants, describeBroadGrants } from '../../../src/policy/broad-grants.js';
import { leastPrivilegePolicy, seedPolicy } from '../../../src/policy/profiles.js';

const role = parseRoleArn('arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-x');

describe('broadGrants', () => {
  it('lists every statement of the seed document: all on "*", one of them service-wide', () => {
    // Act
    const grants = broadGrants(seedPolicy());
    // Assess
    expect(grants.map((g) => [g.sid, g.reasons])).toEqual([
      ['BedrockAgentCoreAccess', ['every bedrock-agentcore action', 'every resource']],
      ['BedrockInvokeModel', ['every resource']],
      ['CodeInterpreterAccess', ['every resource']],
      ['CloudWatchLogs', ['every resource']],
    ]);
  });

  it('finds none in least-privilege, with or without custom interpreters', () => {
    // Act / Assess
    expect(broadGrants(leastPrivilegePolicy(role))).toEqual([]);
    expect(broadGrants(leastPrivilegePolicy(role, { customInterpreters: true }))).toEqual([]);
  });

  it('sees "*" actions, NotAction and NotResource, and ignores Deny', () => {
    // Act
    const grants = broadGrants({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::bucket' },
        { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::bucket' },
        { Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::bucket/*' },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ],
    });
    // Assess
    expect(grants.map((g) => g.reasons)).toEqual([
      ['every action of every service'],
      ['every action except iam:*'],
      ['every resource except arn:aws:s3:::bucket/*'],
    ]);
  });
});

describe('describeBroadGrants', () => {
  it('gives one line per grant: what, on what, and why it is broad', () => {
    // Act
    const [first] = describeBroadGrants(broadGrants(seedPolicy()));
    // Assess
    expect(first).toBe(
      'BedrockAgentCoreAccess: bedrock-agentcore:* on * (every bedrock-agentcore action; every resource)',
    );
  });
});
