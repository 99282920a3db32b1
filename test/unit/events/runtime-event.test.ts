import { describe, expect, it } from 'vitest';
import { readRuntimeEvent } from '../../../src/events/runtime-event.js';
import { apiCallEvent } from '../../support/events.js';

const runtimeCall = (eventName: string, overrides: Partial<Parameters<typeof apiCallEvent>[0]> = {}) =>
  apiCallEvent({
    source: 'aws.bedrock-agentcore',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName,
    region: 'eu-west-1',
    requestParameters: { agentRuntimeName: 'agent', roleArn: 'arn:aws:iam::123456789012:role/AnyRole' },
    responseElements: {
      agentRuntimeId: 'agent-AbCdE12345',
      agentRuntimeArn: 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-AbCdE12345',
    },
    ...overrides,
  });

describe('readRuntimeEvent', () => {
  it('reads which runtime a CreateAgentRuntime made, and where, and nothing of its role', () => {
    // Act
    const read = readRuntimeEvent({ ...runtimeCall('CreateAgentRuntime'), id: 'e-1' });
    // Assess
    expect(read).toEqual({
      kind: 'runtime',
      eventId: 'e-1',
      eventName: 'CreateAgentRuntime',
      account: '123456789012',
      region: 'eu-west-1',
      agentRuntimeId: 'agent-AbCdE12345',
    });
  });

  it('takes the runtime id from the request of an UpdateAgentRuntime without one in its response', () => {
    // Act
    const read = readRuntimeEvent(
      runtimeCall('UpdateAgentRuntime', {
        requestParameters: { agentRuntimeId: 'agent-AbCdE12345' },
        responseElements: {},
      }),
    );
    // Assess
    expect(read).toMatchObject({ kind: 'runtime', agentRuntimeId: 'agent-AbCdE12345' });
  });

  it('sets a failed call apart by its errorCode', () => {
    // Act
    const read = readRuntimeEvent(runtimeCall('CreateAgentRuntime', { errorCode: 'ValidationException' }));
    // Assess
    expect(read).toMatchObject({ kind: 'failed-call', errorCode: 'ValidationException' });
  });

  it.each([
    ['another call of the service', runtimeCall('DeleteAgentRuntime')],
    ['an IAM event', { ...runtimeCall('CreateAgentRuntime'), source: 'aws.iam' }],
    ['no runtime id anywhere', runtimeCall('CreateAgentRuntime', { responseElements: {} })],
    [
      'a runtime id that is not one',
      runtimeCall('CreateAgentRuntime', { responseElements: { agentRuntimeId: '../../x' } }),
    ],
    ['a region that is not one', runtimeCall('CreateAgentRuntime', { region: 'moon-1' })],
    ['not an object', 'CreateAgentRuntime'],
  ])('calls %s malformed, with what is wrong', (_, event) => {
    // Act
    const read = readRuntimeEvent(event);
    // Assess
    expect(read.kind).toBe('malformed');
    expect(read.kind === 'malformed' && read.problems.length).toBeGreaterThan(0);
  });
});
