import { describe, expect, it } from 'vitest';
import {
  InvalidAgentRuntimeArnError,
  InvalidRoleArnError,
  parseAgentRuntimeArn,
  parseRoleArn,
  resourceName,
} from '../../../src/aws/arn.js';

describe('parseRoleArn', () => {
  it('takes partition, account and name from a role ARN with a path', () => {
    // Act
    const parts = parseRoleArn(
      'arn:aws-cn:iam::123456789012:role/service-role/AmazonBedrockAgentCoreSDKRuntime-cn-north-1-abc',
    );
    // Assess
    expect(parts).toEqual({
      partition: 'aws-cn',
      account: '123456789012',
      path: '/service-role/',
      roleName: 'AmazonBedrockAgentCoreSDKRuntime-cn-north-1-abc',
    });
  });

  it('gives a role at the root the path /', () => {
    // Act
    const parts = parseRoleArn('arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-x');
    // Assess
    expect(parts.path).toBe('/');
  });

  it.each([
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::12345:role/x',
    'arn:aws:iam:us-east-1:123456789012:role/x',
    'arn:aws:sts::123456789012:assumed-role/x/session',
    'arn:aws:iam::123456789012:role/a:b',
    'not an arn',
  ])('rejects %s', (arn) => {
    // Act / Assess
    expect(() => parseRoleArn(arn)).toThrow(InvalidRoleArnError);
  });

  it('rejects an ARN that is not a role', () => {
    // Act / Assess
    expect(() => parseRoleArn('arn:aws:iam::123456789012:user/alice')).toThrow(InvalidRoleArnError);
  });
});

describe('parseAgentRuntimeArn', () => {
  it('takes the region to call and the runtime id from the ARN', () => {
    // Act
    const parts = parseAgentRuntimeArn(
      'arn:aws:bedrock-agentcore:eu-central-1:123456789012:runtime/my_agent-AbCdE12345',
    );
    // Assess
    expect(parts).toEqual({
      partition: 'aws',
      region: 'eu-central-1',
      account: '123456789012',
      agentRuntimeId: 'my_agent-AbCdE12345',
    });
  });

  it('rejects a role ARN, saying where to copy a runtime ARN from', () => {
    // Act / Assess
    expect(() => parseAgentRuntimeArn('arn:aws:iam::123456789012:role/x')).toThrow(/agentcore status/);
    expect(() => parseAgentRuntimeArn('arn:aws:iam::123456789012:role/x')).toThrow(InvalidAgentRuntimeArnError);
  });
});

describe('resourceName', () => {
  it.each([
    ['arn:aws:iam::123456789012:role/service-role/Name', 'Name'],
    ['arn:aws:iam::aws:policy/AdministratorAccess', 'AdministratorAccess'],
    ['arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbC', 'agent-AbC'],
  ])('of %s is %s', (arn, name) => {
    expect(resourceName(arn)).toBe(name);
  });
});
