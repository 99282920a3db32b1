import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatNotification } from '../../src/alerts/messages.js';
import { publishAlert } from '../../src/alerts/publish.js';
import { readAlertState, recordAlertState } from '../../src/alerts/state.js';
import { healthAlertSubject } from '../../src/health/alert.js';
import type { HealthResult } from '../../src/health/result.js';
import { createAlertInfrastructure } from '../support/alert-fixtures.js';
import { useMoto } from '../support/use-moto.js';

const TABLE = 'agentcore-guard-health';
const ARN = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';
const HOUR = 3_600_000;

useMoto();
let ddb: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let queueUrl: string;

const failing: HealthResult = {
  agentRuntimeArn: ARN,
  agentName: 'finale_agent',
  region: 'us-west-2',
  probe: 'seed',
  verdict: 'failing',
  reason: 'tool-not-executed',
  detail: 'The seed probe failed: the agent reported "access restrictions".',
  excerpt: "…couldn't execute it due to access restrictions)...",
  checkedAt: '2026-11-26T09:00:00.000Z',
  durationMs: 1200,
};
const healthy: HealthResult = { ...failing, verdict: 'healthy', reason: undefined, detail: 'The seed probe passed.' };

/** A controllable clock: each run happens at `at`. */
let at = Date.parse('2026-11-26T09:00:00.000Z');
const deps = (overrides: { topic?: string } = {}) => ({
  ddb,
  tableName: TABLE,
  reminderMs: 24 * HOUR,
  now: () => new Date(at),
  publish: (alert: Parameters<typeof publishAlert>[2]) => publishAlert(sns, overrides.topic ?? topicArn, alert),
});

/** What the subscribed queue received: the SNS envelope's Message (the `default`/`sqs` body) and Subject. */
async function published(): Promise<{ subject?: string; chat: ChatNotification }[]> {
  const out: { subject?: string; chat: ChatNotification }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return out;
    for (const m of Messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as { Message: string; Subject?: string };
      out.push({ subject: envelope.Subject, chat: JSON.parse(envelope.Message) as ChatNotification });
    }
  }
}

beforeAll(() => {
  ddb = new DynamoDBClient({});
  sns = new SNSClient({});
  sqs = new SQSClient({});
});
beforeEach(async () => {
  at = Date.parse('2026-11-26T09:00:00.000Z');
  ({ topicArn, queueUrl } = await createAlertInfrastructure({ table: TABLE, topic: 'agentcore-guard-alerts' }));
});

describe('alerts on state change only', () => {
  it('alerts on a first failure', async () => {
    // Act
    const outcome = await recordAlertState(healthAlertSubject(failing), deps());
    // Assess
    expect(outcome).toMatchObject({ action: 'published', kind: 'failing' });
    const messages = await published();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.subject).toBe('[agentcore-guard] FAILING: finale_agent (tool-not-executed)');
    expect(messages[0]?.chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      metadata: { threadId: 'agentcore-guard-us-west-2-finale_agent-AbCdE12345' },
    });
  });

  it('stays quiet on a second identical failure', async () => {
    // Prepare
    await recordAlertState(healthAlertSubject(failing), deps());
    await published();
    at += HOUR;
    // Act
    const outcome = await recordAlertState(healthAlertSubject(failing), deps());
    // Assess
    expect(outcome).toEqual({ action: 'none' });
    expect(await published()).toHaveLength(0);
  });

  it('announces a recovery', async () => {
    // Prepare
    await recordAlertState(healthAlertSubject(failing), deps());
    await published();
    at += HOUR;
    // Act
    const outcome = await recordAlertState(healthAlertSubject(healthy), deps());
    // Assess
    expect(outcome).toMatchObject({ action: 'published', kind: 'recovered' });
    const [message] = await published();
    expect(message?.chat.content.title).toContain('recovered');
    expect((await readAlertState(ddb, TABLE, ARN))?.status).toBe('healthy');
  });

  it('stays quiet while healthy', async () => {
    // Prepare
    await recordAlertState(healthAlertSubject(healthy), deps());
    at += HOUR;
    // Act
    const outcome = await recordAlertState(healthAlertSubject(healthy), deps());
    // Assess
    expect(outcome).toEqual({ action: 'none' });
    expect(await published()).toHaveLength(0);
  });

  it('reminds once the reminder interval has passed while still failing, not before', async () => {
    // Prepare
    await recordAlertState(healthAlertSubject(failing), deps());
    await published();
    at += 23 * HOUR;
    const early = await recordAlertState(healthAlertSubject(failing), deps());
    at += HOUR;
    // Act
    const due = await recordAlertState(healthAlertSubject(failing), deps());
    // Assess
    expect(early).toEqual({ action: 'none' });
    expect(due).toMatchObject({ action: 'published', kind: 'reminder' });
    const [message] = await published();
    expect(message?.subject).toContain('STILL FAILING');
  });
});

describe('when SNS refuses the publish', () => {
  it('leaves the state un-advanced, so the next run sends the alert', async () => {
    // Prepare
    const missingTopic = `${topicArn}-missing`;
    // Act
    const refused = await recordAlertState(healthAlertSubject(failing), deps({ topic: missingTopic }));
    const stateAfterRefusal = await readAlertState(ddb, TABLE, ARN);
    at += HOUR;
    const retried = await recordAlertState(healthAlertSubject(failing), deps());
    // Assess
    expect(refused).toMatchObject({ action: 'publish-failed', kind: 'failing' });
    expect(stateAfterRefusal?.status).toBeUndefined();
    expect(stateAfterRefusal?.claimToken).toBeUndefined();
    expect(retried).toMatchObject({ action: 'published', kind: 'failing' });
    expect(await published()).toHaveLength(1);
  });

  it('keeps a recovery pending until it is delivered', async () => {
    // Prepare
    await recordAlertState(healthAlertSubject(failing), deps());
    await published();
    at += HOUR;
    // Act
    const refused = await recordAlertState(healthAlertSubject(healthy), deps({ topic: `${topicArn}-missing` }));
    // Assess
    expect(refused).toMatchObject({ action: 'publish-failed', kind: 'recovered' });
    expect((await readAlertState(ddb, TABLE, ARN))?.status).toBe('failing');
  });
});

describe('overlapping runs', () => {
  it('publish one alert between them for the same failure', async () => {
    // Act
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => recordAlertState(healthAlertSubject(failing), deps())));
    // Assess
    expect(outcomes.filter((o) => o.action === 'published')).toHaveLength(1);
    expect(await published()).toHaveLength(1);
  });
});
