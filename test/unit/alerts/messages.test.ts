import { describe, expect, it } from 'vitest';
import { snsMessage, threadIdFor } from '../../../src/alerts/messages.js';
import { formatHealthAlert } from '../../../src/health/alert.js';
import type { HealthResult } from '../../../src/health/result.js';

const result: HealthResult = {
  agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345',
  agentName: 'finale_agent',
  region: 'us-west-2',
  roleArn: 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789',
  probe: 'seed',
  verdict: 'failing',
  reason: 'tool-not-executed',
  detail: 'The seed probe failed: the agent reported "access restrictions".',
  excerpt: "…I couldn't execute it due to access restrictions)...",
  checkedAt: '2026-11-26T09:00:00.000Z',
  durationMs: 5_000,
};

describe('the chat notification', () => {
  it('follows the custom notification schema: version 1.0, source custom, client-markdown', () => {
    // Act
    const { chat } = formatHealthAlert('failing', result);
    // Assess
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: expect.any(String), description: expect.any(String) },
      metadata: { threadId: threadIdFor(result.agentRuntimeArn), summary: expect.any(String) },
    });
    expect(chat.content.nextSteps?.length).toBeGreaterThan(0);
  });

  it('keeps one thread per agent across failing, reminder and recovery', () => {
    // Act
    const threads = new Set(
      (['failing', 'reminder', 'recovered'] as const).map((k) => formatHealthAlert(k, result).chat.metadata.threadId),
    );
    // Assess
    expect(threads.size).toBe(1);
  });

  it('keeps every additionalContext value a string', () => {
    const values = Object.values(formatHealthAlert('failing', result).chat.metadata.additionalContext);
    expect(values.every((v) => typeof v === 'string')).toBe(true);
  });
});

describe('the email', () => {
  it('has a printable ASCII subject of at most 100 characters', () => {
    // Act
    const { subject } = formatHealthAlert('failing', { ...result, agentName: `agent_${'x'.repeat(120)}` });
    // Assess
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('says what failed, the excerpt and what to do next, in plain text', () => {
    // Act
    const { text } = formatHealthAlert('failing', result);
    // Assess
    expect(text).toContain('finale_agent is failing: tool-not-executed');
    expect(text).toContain('access restrictions');
    expect(text).toContain('Next steps:');
    expect(text).not.toMatch(/[*`]{2}/);
  });

  it('says the permission check was skipped, and why, when the probe could not run', () => {
    // Prepare
    const skipped: HealthResult = {
      ...result,
      permission: { status: 'skipped', reason: 'AccessDenied on iam:GetRole' },
    };
    // Act
    const { text, chat } = formatHealthAlert('failing', skipped);
    // Assess
    expect(text).toMatch(/^Permission check: +skipped \(AccessDenied on iam:GetRole\)/m);
    expect(chat.content.description).toContain('Permission check: skipped (AccessDenied on iam:GetRole)');
    expect(`${text}\n${chat.content.description}`).not.toMatch(/allowed/);
  });
});

describe('the SNS message', () => {
  it('gives people plain text in default and email, and the chat application (https) and Lambda the notification JSON', () => {
    // Prepare
    const alert = formatHealthAlert('recovered', { ...result, verdict: 'healthy', reason: undefined });
    // Act
    const bodies = JSON.parse(snsMessage(alert)) as Record<string, string>;
    // Assess
    expect(bodies.default).toBe(alert.text);
    expect(bodies.email).toBe(alert.text);
    expect(JSON.parse(bodies.https ?? '')).toEqual(alert.chat);
    expect(bodies.lambda).toBe(bodies.https);
  });
});

describe("the agent's words in chat", () => {
  it('cannot ping the channel or inject links', () => {
    // Act
    const { chat } = formatHealthAlert('failing', { ...result, excerpt: 'done <!channel> see <https://evil|here>' });
    // Assess
    expect(chat.content.description).toContain('&lt;!channel&gt;');
    expect(chat.content.description).not.toContain('<!channel>');
  });
});
