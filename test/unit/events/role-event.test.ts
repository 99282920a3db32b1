import { describe, expect, it } from 'vitest';
import { readRoleEvent } from '../../../src/events/role-event.js';
import { apiCallEvent, createRoleEvent } from '../../support/events.js';

const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';

describe('readRoleEvent', () => {
  it('reads the role name and the account of a successful CreateRole, and nothing else of the role', () => {
    // Prepare
    const event = createRoleEvent(roleName, { id: 'e-1', account: '210987654321' });
    // Act
    const read = readRoleEvent(event);
    // Assess
    expect(read).toEqual({
      kind: 'role',
      eventId: 'e-1',
      eventName: 'CreateRole',
      account: '210987654321',
      role: { roleName },
    });
  });

  it('reads a changed trust policy as a role to look at again', () => {
    // Prepare
    const event = apiCallEvent({
      source: 'aws.iam',
      eventSource: 'iam.amazonaws.com',
      eventName: 'UpdateAssumeRolePolicy',
      requestParameters: { roleName, policyDocument: '{}' },
    });
    // Act
    const read = readRoleEvent(event);
    // Assess
    expect(read).toMatchObject({ kind: 'role', eventName: 'UpdateAssumeRolePolicy', role: { roleName } });
  });

  it('sets a failed call apart by its errorCode', () => {
    // Act
    const read = readRoleEvent(createRoleEvent(roleName, { errorCode: 'EntityAlreadyExists' }));
    // Assess
    expect(read).toMatchObject({ kind: 'failed-call', roleName, errorCode: 'EntityAlreadyExists' });
  });

  it('reads a drift event, which has a role name but no role ARN', () => {
    // Prepare
    const event = createRoleEvent(roleName);
    const drift = { ...event, detail: { ...event.detail, eventName: 'DeleteRolePolicy', responseElements: null } };
    // Act
    const read = readRoleEvent(drift);
    // Assess
    expect(read).toMatchObject({ kind: 'role', eventName: 'DeleteRolePolicy', role: { roleName } });
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'CreateRole'],
    ['an event from another service', { ...createRoleEvent(roleName), source: 'aws.s3' }],
    [
      'an event without a role name',
      { ...createRoleEvent(roleName), detail: { eventSource: 'iam.amazonaws.com', eventName: 'CreateRole' } },
    ],
    ['a role name IAM would never accept', createRoleEvent('bad name/with slash')],
    [
      'a response ARN naming another role',
      (() => {
        const event = createRoleEvent(roleName);
        return {
          ...event,
          detail: { ...event.detail, requestParameters: { roleName: 'AmazonBedrockAgentCoreSDKRuntime-x' } },
        };
      })(),
    ],
  ])('calls %s malformed, with the problems listed', (_, event) => {
    // Act
    const read = readRoleEvent(event);
    // Assess
    expect(read.kind).toBe('malformed');
    expect(read.kind === 'malformed' && read.problems.length).toBeGreaterThan(0);
  });
});
