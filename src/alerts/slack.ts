import * as v from 'valibot';
import { type ChatNotification, escapeMrkdwn } from './messages.js';

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

const SnsRecordSchema = v.object({
  Sns: v.object({
    Message: v.string(),
    MessageId: v.optional(v.string()),
    Subject: v.optional(v.nullable(v.string())),
  }),
});

/** One message SNS delivered to slack-notify. */
export interface SnsDelivery {
  message: string;
  subject?: string;
  messageId?: string;
}

/** A record that is not an SNS message, by its place in the event, and why. */
export interface MalformedRecord {
  index: number;
  problem: string;
}

/** The SNS messages in a Lambda event, and the records that are not SNS messages (logged and dropped by the caller). */
export function snsDeliveries(event: unknown): { deliveries: SnsDelivery[]; malformed: MalformedRecord[] } {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  if (!Array.isArray(records)) {
    return { deliveries: [], malformed: [{ index: -1, problem: 'not an SNS event: no Records list' }] };
  }
  const deliveries: SnsDelivery[] = [];
  const malformed: MalformedRecord[] = [];
  records.forEach((record: unknown, index) => {
    const parsed = v.safeParse(SnsRecordSchema, record);
    if (!parsed.success) {
      const problem = parsed.issues.map((i) => `${v.getDotPath(i) ?? 'record'}: ${i.message}`).join('; ');
      malformed.push({ index, problem });
      return;
    }
    const { Message, Subject, MessageId } = parsed.output.Sns;
    deliveries.push({ message: Message, subject: Subject ?? undefined, messageId: MessageId });
  });
  return { deliveries, malformed };
}

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
    // Whoever wrote the message, its `<!channel>` must not ping and its `<url|label>` must not link.
    const text = clipEscaped(`${subject ? `*${escapeMrkdwn(subject)}*\n` : ''}${escapeMrkdwn(message)}`, 2_900);
    return {
      text: clipEscaped(escapeMrkdwn(subject ?? message.slice(0, 150)), 3_000),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    };
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
  // The header is plain_text (shown as written); the description is mrkdwn by contract (the alert escaped what an
  // agent wrote in it); everything else here is plain text going into mrkdwn, so it is escaped.
  if (fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: fields.map(([k, v]) => ({ type: 'mrkdwn', text: clipEscaped(`*${k}*\n${escapeMrkdwn(v)}`, 2_000) })),
    });
  }
  if (nextSteps.length > 0) {
    blocks.push({ type: 'divider' });
    const steps = nextSteps.map((s) => `• ${escapeMrkdwn(s)}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clipEscaped(`*Next steps*\n${steps}`, 3_000) } });
  }
  if (context.agentRuntimeArn) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clipEscaped(`\`${escapeMrkdwn(context.agentRuntimeArn)}\``, 3_000) }],
    });
  }
  return { text: clipEscaped(escapeMrkdwn(chat.metadata?.summary ?? title), 3_000), blocks };
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** `clip` for escaped text: never ends in half an entity (`&am`). */
const clipEscaped = (s: string, max: number) => (s.length <= max ? s : clip(s, max).replace(/&[a-z]*…$/, '…'));

export class SlackWebhookError extends Error {
  override name = 'SlackWebhookError';
}

export interface SlackPostOptions {
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
  /** Upper bound for one `Retry-After` wait, so a Lambda is not held for minutes. */
  maxRetryAfterMs?: number;
  /** One request's bound (connect, send, answer and body); 10 s when absent. */
  requestTimeoutMs?: number;
  /**
   * Milliseconds this post may still take, every attempt and wait included: the function's remaining time less
   * `SLACK_TIME_MARGIN_MS`. Unbounded when absent.
   */
  remainingMs?: () => number;
}

/** Kept back from the function's remaining time: room to log the failure and return it before Lambda's timeout. */
export const SLACK_TIME_MARGIN_MS = 3_000;
/** Less time than this left is not worth another attempt. */
const MIN_ATTEMPT_MS = 1_000;

/**
 * Posts to a Slack incoming webhook. 429 → waits `Retry-After` seconds and retries; 5xx, network errors and
 * requests with no answer in time → backs off and retries; other 4xx → fails at once. Every request has its own
 * timeout, and no wait or attempt starts that would outlast `remainingMs`: then it fails at once, saying so. The URL
 * is a secret: it never appears in an error or a log.
 */
export async function postToSlack(webhookUrl: string, payload: SlackPayload, options: SlackPostOptions = {}) {
  const { fetchImpl = fetch, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), maxAttempts = 4 } = options;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  let lastProblem = '';
  const outOfTime = (what: string) =>
    new SlackWebhookError(
      `Slack did not accept the message${lastProblem ? ` (${lastProblem})` : ''}, and ${what} would outlast the time this invocation has left. Lambda retries it later, then keeps it in the dead-letter queue; the message is also in the SNS topic's email copy.`,
    );
  /** Waits `ms` before the next attempt, or fails when that leaves no time for it. */
  const backOff = async (ms: number) => {
    if (ms + MIN_ATTEMPT_MS > remainingMs()) throw outOfTime(`waiting ${Math.ceil(ms / 1000)} s to retry`);
    await sleep(ms);
  };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const left = remainingMs();
    if (left < MIN_ATTEMPT_MS) throw outOfTime('another attempt');
    const timeoutMs = Math.min(requestTimeoutMs, left);
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let body: string;
    try {
      response = await fetchImpl(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal,
      });
      body = response.ok ? '' : await response.text().catch(() => '');
    } catch (error) {
      lastProblem = signal.aborted ? `no answer within ${timeoutMs} ms` : redactWebhook(describe(error), webhookUrl);
      if (attempt < maxAttempts) await backOff(250 * 2 ** attempt);
      continue;
    }
    if (response.ok) return { attempts: attempt };
    // Redacted before it is cut short, so no fragment of a secret survives at the cut.
    const shown = redactWebhook(body, webhookUrl).slice(0, 200);
    lastProblem = `HTTP ${response.status}${shown ? ` ${shown}` : ''}`;
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      const waitMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1_000;
      if (attempt < maxAttempts) await backOff(Math.min(waitMs, maxRetryAfterMs));
      continue;
    }
    if (response.status >= 500) {
      if (attempt < maxAttempts) await backOff(250 * 2 ** attempt);
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
