import * as v from 'valibot';
import type { ChatNotification } from './messages.js';

/** Slack's incoming-webhook body: `text` is the notification fallback, `blocks` the Block Kit layout. */
export interface SlackPayload {
  text: string;
  blocks: Record<string, unknown>[];
}

const ChatNotificationSchema = v.object({
  version: v.literal('1.0'),
  source: v.literal('custom'),
  content: v.object({
    title: v.string(),
    description: v.string(),
    nextSteps: v.optional(v.array(v.string())),
  }),
  metadata: v.optional(
    v.object({
      summary: v.optional(v.string()),
      relatedResources: v.optional(v.array(v.string())),
      additionalContext: v.optional(v.record(v.string(), v.string())),
    }),
  ),
});

/**
 * The SNS message slack-notify receives (its `lambda` key: the chat notification JSON) → Block Kit. Anything else
 * that reaches the topic (say, a CloudWatch alarm) is shown as plain text rather than dropped.
 */
export function slackPayloadFor(message: string, subject?: string): SlackPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  const chat = v.safeParse(ChatNotificationSchema, parsed);
  if (!chat.success) {
    const text = `${subject ? `*${subject}*\n` : ''}${message}`.slice(0, 2_900);
    return { text: subject ?? message.slice(0, 150), blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  return slackBlocks(chat.output as ChatNotification);
}

export function slackBlocks(
  chat: Pick<ChatNotification, 'content'> & Partial<Pick<ChatNotification, 'metadata'>>,
): SlackPayload {
  const { title, description, nextSteps = [] } = chat.content;
  const context = chat.metadata?.additionalContext ?? {};
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(description, 3_000) } },
  ];
  const fields = [
    ['Agent', context.agentName],
    ['Region', context.region],
    ['Verdict', context.reason ? `${context.verdict} (${context.reason})` : context.verdict],
    ['Probe', context.probe],
  ].filter((f): f is [string, string] => Boolean(f[1]));
  if (fields.length > 0) {
    blocks.push({ type: 'section', fields: fields.map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` })) });
  }
  if (nextSteps.length > 0) {
    blocks.push({ type: 'divider' });
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Next steps*\n${nextSteps.map((s) => `• ${s}`).join('\n')}`, 3_000) },
    });
  }
  if (context.agentRuntimeArn) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clip(`\`${context.agentRuntimeArn}\``, 3_000) }],
    });
  }
  return { text: clip(chat.metadata?.summary ?? title, 3_000), blocks };
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export class SlackWebhookError extends Error {
  override name = 'SlackWebhookError';
}

export interface SlackPostOptions {
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
  /** Upper bound for one `Retry-After` wait, so a Lambda is not held for minutes. */
  maxRetryAfterMs?: number;
}

/**
 * Posts to a Slack incoming webhook. 429 → waits `Retry-After` seconds and retries; 5xx and network errors →
 * backs off and retries; other 4xx → fails at once. The URL is a secret: it never appears in an error or a log.
 */
export async function postToSlack(webhookUrl: string, payload: SlackPayload, options: SlackPostOptions = {}) {
  const { fetchImpl = fetch, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), maxAttempts = 4 } = options;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  let lastProblem = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let response: Response;
    try {
      response = await fetchImpl(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
    } catch (error) {
      lastProblem = redactWebhook(describe(error), webhookUrl);
      if (attempt < maxAttempts) await sleep(250 * 2 ** attempt);
      continue;
    }
    if (response.ok) return { attempts: attempt };
    // Redacted before it is cut short, so no fragment of a secret survives at the cut.
    const body = redactWebhook(await response.text().catch(() => ''), webhookUrl).slice(0, 200);
    lastProblem = `HTTP ${response.status}${body ? ` ${body}` : ''}`;
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      const waitMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1_000;
      if (attempt < maxAttempts) await sleep(Math.min(waitMs, maxRetryAfterMs));
      continue;
    }
    if (response.status >= 500) {
      if (attempt < maxAttempts) await sleep(250 * 2 ** attempt);
      continue;
    }
    throw new SlackWebhookError(
      `Slack rejected the message (${lastProblem}). Check that the webhook in the SSM parameter is still valid; the message is in the SNS topic's email copy.`,
    );
  }
  throw new SlackWebhookError(`Slack did not accept the message after ${maxAttempts} attempts (${lastProblem}).`);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/** Path segments of a Slack webhook that are not secret (and too common to strip from error text). */
const PUBLIC_SEGMENTS = new Set(['services']);
/** Shorter segments are not secrets worth the noise of redacting them everywhere. */
const MIN_SECRET_SEGMENT_LENGTH = 6;

/**
 * Removes the webhook URL from text that may be logged: the whole URL, its path, and each path segment on its own
 * (team, channel and token: an error body may echo just one of them), raw and percent-decoded; and anything shaped
 * like a Slack webhook.
 */
export function redactWebhook(text: string, webhookUrl?: string): string {
  let out = text;
  if (webhookUrl) {
    const secrets = new Set([webhookUrl]);
    try {
      const { pathname } = new URL(webhookUrl);
      if (pathname.length > 1) secrets.add(pathname);
      for (const segment of pathname.split('/')) {
        for (const form of [segment, safeDecode(segment)]) {
          if (form.length >= MIN_SECRET_SEGMENT_LENGTH && !PUBLIC_SEGMENTS.has(form)) secrets.add(form);
        }
      }
    } catch {
      // not a URL: nothing more to strip
    }
    // Longest first, so the URL goes as a whole before its parts.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('[webhook]');
  }
  return out
    .replace(/https?:\/\/hooks\.slack(?:-gov)?\.com\/\S+/gi, '[webhook]')
    .replace(/\/services\/T[\w/]+/g, '[webhook]');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
