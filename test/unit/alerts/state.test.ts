import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decideAlert, recordAlertState } from '../../../src/alerts/state.js';
import { healthAlertSubject } from '../../../src/health/alert.js';
import type { HealthResult } from '../../../src/health/result.js';

const HOUR = 3_600_000;
const now = new Date('2026-11-26T09:00:00.000Z');
const ddbMock = mockClient(DynamoDBClient);
const failing: HealthResult = {
  agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345',
  agentName: 'finale_agent',
  region: 'us-west-2',
  probe: 'proof',
  verdict: 'failing',
  reason: 'timeout',
  detail: 'No complete answer within 120 s.',
  excerpt: '',
  checkedAt: now.toISOString(),
  durationMs: 120_000,
};

beforeEach(() => ddbMock.reset());

describe('which alert a result calls for', () => {
  it.each([
    [undefined, 'failing', 'failing'],
    [undefined, 'healthy', undefined],
    ['healthy', 'failing', 'failing'],
    ['healthy', 'healthy', undefined],
    ['failing', 'healthy', 'recovered'],
  ] as const)('announced %s, now %s → %s', (status, verdict, expected) => {
    expect(decideAlert(status ? { status, lastAlertAt: now.toISOString() } : undefined, verdict, now, 24 * HOUR)).toBe(
      expected,
    );
  });

  it('reminds while failing only once the interval has passed', () => {
    // Prepare
    const previous = { status: 'failing' as const, lastAlertAt: new Date(now.getTime() - 24 * HOUR).toISOString() };
    // Act & Assess
    expect(decideAlert(previous, 'failing', now, 24 * HOUR)).toBe('reminder');
    expect(decideAlert(previous, 'failing', now, 25 * HOUR)).toBeUndefined();
  });
});

describe('recording a result', () => {
  it('claims the row before publishing, and advances it only after SNS accepted', async () => {
    // Prepare
    const order: string[] = [];
    ddbMock.on(GetItemCommand).resolves({});
    ddbMock.on(PutItemCommand).callsFake(() => {
      order.push('claim');
      return {};
    });
    ddbMock.on(UpdateItemCommand).callsFake(() => {
      order.push('advance');
      return {};
    });
    const publish = vi.fn(async () => {
      order.push('publish');
      return 'msg-1';
    });
    // Act
    const outcome = await recordAlertState(healthAlertSubject(failing), {
      ddb: new DynamoDBClient({}),
      tableName: 't',
      publish,
      reminderMs: 24 * HOUR,
      now: () => now,
    });
    // Assess
    expect(outcome).toEqual({ action: 'published', kind: 'failing', messageId: 'msg-1' });
    expect(order).toEqual(['claim', 'publish', 'advance']);
    expect(ddbMock).toHaveReceivedCommandWith(PutItemCommand, {
      ConditionExpression: 'attribute_not_exists(subject)',
    });
  });

  it('only releases the claim when SNS refuses, without setting a status', async () => {
    // Prepare
    ddbMock.on(GetItemCommand).resolves({});
    ddbMock.on(PutItemCommand).resolves({});
    ddbMock.on(UpdateItemCommand).resolves({});
    // Act
    const outcome = await recordAlertState(healthAlertSubject(failing), {
      ddb: new DynamoDBClient({}),
      tableName: 't',
      publish: async () => {
        throw new Error('Topic does not exist');
      },
      reminderMs: 24 * HOUR,
      now: () => now,
    });
    // Assess
    expect(outcome).toMatchObject({ action: 'publish-failed', error: 'Topic does not exist' });
    const update = ddbMock.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.UpdateExpression).toContain('REMOVE claimToken');
    expect(update?.UpdateExpression).not.toContain('#status');
  });

  it('stays quiet while another run holds an unexpired claim', async () => {
    // Prepare
    ddbMock.on(GetItemCommand).resolves({
      Item: {
        subject: { S: failing.agentRuntimeArn },
        version: { N: '3' },
        claimToken: { S: 'other' },
        claimExpiresAt: { N: String(now.getTime() + 30_000) },
      },
    });
    const publish = vi.fn();
    // Act
    const outcome = await recordAlertState(healthAlertSubject(failing), {
      ddb: new DynamoDBClient({}),
      tableName: 't',
      publish,
      reminderMs: 24 * HOUR,
      now: () => now,
    });
    // Assess
    expect(outcome).toEqual({ action: 'claimed-elsewhere' });
    expect(publish).not.toHaveBeenCalled();
  });
});
