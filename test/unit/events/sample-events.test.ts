import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readRoleEvent } from '../../../src/events/role-event.js';
import { readRuntimeEvent } from '../../../src/events/runtime-event.js';
import { isManagedRoleName } from '../../../src/roles/ownership.js';
import { DEFAULTS } from '../../../src/settings.js';

/** The files in events/ feed `serverless invoke local` and the demo: they must read as the event they claim to be. */
function sampleEvent(file: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../events/${file}`, import.meta.url), 'utf8'));
}

describe('sample events', () => {
  it('reads the AgentCore CreateRole event as a role inside the default prefix', () => {
    // Act
    const read = readRoleEvent(sampleEvent('create-role-agentcore.json'));

    // Assess
    expect(read).toMatchObject({ kind: 'role', eventName: 'CreateRole' });
    if (read.kind !== 'role') return;
    expect(read.role.roleName).toMatch(/^AmazonBedrockAgentCoreSDKRuntime-us-west-2-[0-9a-f]{10}$/);
    expect(isManagedRoleName(read.role.roleName, [DEFAULTS.rolePrefix])).toBe(true);
  });

  it('reads the other CreateRole event as a role outside the default prefix', () => {
    // Act
    const read = readRoleEvent(sampleEvent('create-role-other.json'));

    // Assess
    expect(read.kind).toBe('role');
    if (read.kind !== 'role') return;
    expect(isManagedRoleName(read.role.roleName, [DEFAULTS.rolePrefix])).toBe(false);
  });

  it('reads the failed CreateRole event as a failed call with its error code', () => {
    // Act
    const read = readRoleEvent(sampleEvent('create-role-failed.json'));

    // Assess
    expect(read).toMatchObject({ kind: 'failed-call', eventName: 'CreateRole', errorCode: 'EntityAlreadyExists' });
  });

  it('carries the trust policy URL-encoded in responseElements, as IAM returns it', () => {
    // Prepare
    const event = sampleEvent('create-role-agentcore.json') as {
      detail: {
        requestParameters: { assumeRolePolicyDocument: string };
        responseElements: { role: { assumeRolePolicyDocument: string } };
      };
    };

    // Act
    const decoded = decodeURIComponent(event.detail.responseElements.role.assumeRolePolicyDocument);

    // Assess
    expect(JSON.parse(decoded)).toEqual(JSON.parse(event.detail.requestParameters.assumeRolePolicyDocument));
    expect(decoded).toContain('bedrock-agentcore.amazonaws.com');
  });
});

describe('sample runtime events', () => {
  it.each([
    ['create-agent-runtime.json', 'CreateAgentRuntime'],
    ['update-agent-runtime.json', 'UpdateAgentRuntime'],
  ])('reads %s as a change to one runtime, in its own region', (file, eventName) => {
    // Act
    const read = readRuntimeEvent(sampleEvent(file));
    // Assess
    expect(read).toEqual({
      kind: 'runtime',
      eventId: expect.any(String),
      eventName,
      account: '123456789012',
      region: 'us-west-2',
      agentRuntimeId: 'finance_assistant-Xk3mP9qLzT',
    });
  });
});
