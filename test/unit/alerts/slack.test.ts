import { describe, expect, it, vi } from 'vitest';
import { postToSlack, redactWebhook, SlackWebhookError, slackPayloadFor } from '../../../src/alerts/slack.js';
import { formatHealthAlert } from '../../../src/health/alert.js';
import type { HealthResult } from '../../../src/health/result.js';

const WEBHOOK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const result: HealthResult = {
  agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345',
  agentName: 'finale_agent',
  region: 'us-west-2',
  probe: 'proof',
  verdict: 'failing',
  reason: 'wrong-answer',
  detail: 'The proof probe failed.',
  excerpt: 'The digest is 1234',
  checkedAt: '2026-11-26T09:00:00.000Z',
  durationMs: 1,
};

const respond = (status: number, headers: Record<string, string> = {}, body = '') =>
  new Response(body, { status, headers });

describe('Block Kit from the chat notification', () => {
  it('has a header, the description, the facts and the next steps', () => {
    // Prepare
    const chat = formatHealthAlert('failing', result).chat;
    // Act
    const payload = slackPayloadFor(JSON.stringify(chat));
    // Assess
    expect(payload.text).toContain('finale_agent is failing: wrong-answer');
    expect(payload.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'divider',
      'section',
      'context',
    ]);
  });

  it('shows any other message on the topic as text instead of dropping it', () => {
    const payload = slackPayloadFor('ALARM: dead-letter queue not empty', 'ALARM');
    expect(JSON.stringify(payload.blocks)).toContain('dead-letter queue not empty');
  });
});

describe('posting to the webhook', () => {
  it('waits Retry-After seconds on 429 and then succeeds', async () => {
    // Prepare
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(respond(429, { 'retry-after': '3' }))
      .mockResolvedValueOnce(respond(200, {}, 'ok'));
    const sleep = vi.fn(async () => undefined);
    // Act
    const outcome = await postToSlack(WEBHOOK, { text: 't', blocks: [] }, { fetchImpl, sleep });
    // Assess
    expect(outcome).toEqual({ attempts: 2 });
    expect(sleep).toHaveBeenCalledWith(3_000);
  });

  it('fails at once on a 4xx other than 429, without the URL in the error', async () => {
    // Prepare
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(respond(404, {}, `no_service for ${WEBHOOK}`));
    // Act
    const error = await postToSlack(
      WEBHOOK,
      { text: 't', blocks: [] },
      { fetchImpl, sleep: async () => undefined },
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(String((error as Error).message)).not.toContain('XXXXXXXX');
  });

  it('keeps the URL out of network errors too', async () => {
    // Prepare
    const fetchImpl = vi.fn<typeof fetch>().mockRejectedValue(new TypeError(`fetch failed: ${WEBHOOK}`));
    // Act
    const error = await postToSlack(
      WEBHOOK,
      { text: 't', blocks: [] },
      {
        fetchImpl,
        sleep: async () => undefined,
        maxAttempts: 2,
      },
    ).catch((e: unknown) => e as Error);
    // Assess
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect((error as Error).message).not.toContain('hooks.slack.com');
    expect((error as Error).message).not.toContain('B00000000');
  });
});

describe('redaction', () => {
  it('removes the URL and anything shaped like a Slack webhook', () => {
    expect(redactWebhook(`posting to ${WEBHOOK} failed`, WEBHOOK)).toBe('posting to [webhook] failed');
    expect(redactWebhook('see https://hooks.slack.com/services/T1/B2/abc')).toBe('see [webhook]');
  });

  it("removes each of the webhook's path segments wherever it appears on its own", () => {
    // Prepare
    const text = 'team T00000000, channel B00000000, token XXXXXXXXXXXXXXXXXXXXXXXX rejected by services';
    // Act
    const redacted = redactWebhook(text, WEBHOOK);
    // Assess
    expect(redacted).toBe('team [webhook], channel [webhook], token [webhook] rejected by services');
  });
});
