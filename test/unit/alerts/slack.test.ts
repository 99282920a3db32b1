import { describe, expect, it, vi } from 'vitest';
import {
  postToSlack,
  redactWebhook,
  SlackWebhookError,
  slackBlocks,
  slackPayloadFor,
  snsDeliveries,
} from '../../../src/alerts/slack.js';
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

describe('text that cannot ping or link', () => {
  const hostile = 'Deploy done <!channel> & see <https://evil.example/login|the docs>';

  it('escapes &, < and > in a plain message and in its fallback text', () => {
    // Act
    const payload = slackPayloadFor(hostile, 'ALARM <!here>');
    // Assess
    expect(payload.text).toBe('ALARM &lt;!here&gt;');
    expect(payload.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*ALARM &lt;!here&gt;*\nDeploy done &lt;!channel&gt; &amp; see &lt;https://evil.example/login|the docs&gt;',
        },
      },
    ]);
  });

  it('escapes the fallback text of a message without a subject', () => {
    // Act
    const payload = slackPayloadFor(hostile);
    // Assess
    expect(payload.text).toBe('Deploy done &lt;!channel&gt; &amp; see &lt;https://evil.example/login|the docs&gt;');
  });

  it("escapes a chat notification's fallback text, facts and next steps; its mrkdwn description stays as written", () => {
    // Act
    const payload = slackBlocks({
      content: {
        textType: 'client-markdown',
        title: 'Agent <!channel>',
        description: '*bold* `code`',
        nextSteps: ['Run check --role <role>'],
      },
      metadata: {
        threadId: 't',
        summary: 'summary <!everyone>',
        eventType: 'e',
        relatedResources: [],
        additionalContext: { agentName: 'a<b>', verdict: 'failing' },
      },
    });
    const rendered = JSON.stringify(payload);
    // Assess
    expect(payload.text).toBe('summary &lt;!everyone&gt;');
    expect(rendered).toContain('*bold* `code`');
    expect(rendered).toContain('Run check --role &lt;role&gt;');
    expect(rendered).toContain('a&lt;b&gt;');
    expect(rendered).not.toMatch(/<!(everyone|here)>|<role>|a<b>/);
  });
});

describe('records that are not SNS messages', () => {
  it('are set aside with their place and why; the SNS messages beside them are kept', () => {
    // Prepare
    const event = {
      Records: [
        { Sns: { Message: 'ALARM', Subject: null, MessageId: 'm-1' } },
        { Sns: { Subject: 'no message' } },
        { body: 'an SQS record' },
        'text',
      ],
    };
    // Act
    const { deliveries, malformed } = snsDeliveries(event);
    // Assess
    expect(deliveries).toEqual([{ message: 'ALARM', subject: undefined, messageId: 'm-1' }]);
    expect(malformed.map((m) => m.index)).toEqual([1, 2, 3]);
    expect(malformed[0]?.problem).toMatch(/^Sns\.Message: /);
    expect(malformed[1]?.problem).toMatch(/^Sns: /);
  });

  it('include an event with no Records list at all', () => {
    expect(snsDeliveries({ hello: 'world' })).toEqual({
      deliveries: [],
      malformed: [{ index: -1, problem: 'not an SNS event: no Records list' }],
    });
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

describe('posting within the time the function has', () => {
  /** A clock that only the retry waits move, and the time left as the handler computes it. */
  const budget = (ms: number) => {
    let now = 0;
    const slept: number[] = [];
    return {
      slept,
      sleep: async (wait: number) => {
        slept.push(wait);
        now += wait;
      },
      remainingMs: () => ms - now,
    };
  };

  it('fails at once, saying why, when Slack asks to wait longer than the time left', async () => {
    // Prepare
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(respond(429, { 'retry-after': '10' }));
    const clock = budget(5_000);
    // Act
    const error = await postToSlack(WEBHOOK, { text: 't', blocks: [] }, { fetchImpl, ...clock }).catch(
      (e: unknown) => e as Error,
    );
    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect((error as Error).message).toMatch(/HTTP 429.*waiting 10 s to retry would outlast the time/);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(clock.slept).toEqual([]);
  });

  it('never waits, over all its retries, longer than the time left', async () => {
    // Prepare: Slack fails every attempt; 3 s left
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () => respond(503));
    const clock = budget(3_000);
    // Act
    const error = await postToSlack(WEBHOOK, { text: 't', blocks: [] }, { fetchImpl, maxAttempts: 10, ...clock }).catch(
      (e: unknown) => e as Error,
    );
    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect((error as Error).message).toContain('would outlast the time this invocation has left');
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3_000);
    expect(fetchImpl.mock.calls.length).toBeLessThan(10);
  });

  it('gives up on a request that gets no answer within its own timeout', async () => {
    // Prepare: a Slack that never answers; the request ends only when its signal aborts
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    // Act
    const error = await postToSlack(
      WEBHOOK,
      { text: 't', blocks: [] },
      { fetchImpl, maxAttempts: 1, requestTimeoutMs: 50 },
    ).catch((e: unknown) => e as Error);
    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect((error as Error).message).toContain('no answer within 50 ms');
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
