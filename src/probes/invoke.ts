import { randomUUID } from 'node:crypto';
import { type BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { errorMessage, errorName } from '../aws/errors.js';
import { replyText } from './reply.js';

/** What came back from asking an agent once. A timeout keeps what had arrived by then. */
export type InvokeOutcome =
  | { kind: 'reply'; text: string; contentType: string; statusCode?: number }
  | { kind: 'timeout'; partialText: string; timeoutMs: number }
  | { kind: 'error'; errorName: string; message: string; statusCode?: number };

export interface InvokeAgentOptions {
  client: BedrockAgentCoreClient;
  agentRuntimeArn: string;
  prompt: string;
  timeoutMs: number;
  /** The endpoint (`DEFAULT` when omitted, as the service does). */
  qualifier?: string;
  /** 33–256 characters; a fresh one per probe, so no conversation state leaks between checks. */
  runtimeSessionId?: string;
}

export const newRuntimeSessionId = () => `agentcore-guard-health-${randomUUID()}`;

/** `InvokeAgentRuntime` with the payload `{"prompt": …}`, the whole call (reply stream included) bounded by `timeoutMs`. */
export async function invokeAgentRuntime(options: InvokeAgentOptions): Promise<InvokeOutcome> {
  const { client, agentRuntimeArn, prompt, timeoutMs } = options;
  const runtimeSessionId = options.runtimeSessionId ?? newRuntimeSessionId();
  if (runtimeSessionId.length < 33 || runtimeSessionId.length > 256) {
    throw new RangeError('runtimeSessionId must be 33 to 256 characters long');
  }
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    const output = await client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn,
        qualifier: options.qualifier,
        runtimeSessionId,
        contentType: 'application/json',
        accept: 'application/json, text/event-stream',
        payload: new TextEncoder().encode(JSON.stringify({ prompt })),
      }),
      { abortSignal: deadline.signal },
    );
    const contentType = output.contentType ?? 'application/json';
    const stream = output.response as unknown as AsyncIterable<Uint8Array> & { destroy?: () => void };
    const body = stream
      ? await readUntil(stream, deadline.signal, { destroy: () => stream.destroy?.() })
      : { text: '', complete: true };
    if (!body.complete) return { kind: 'timeout', partialText: replyText(body.text, contentType), timeoutMs };
    return { kind: 'reply', text: replyText(body.text, contentType), contentType, statusCode: output.statusCode };
  } catch (error) {
    if (deadline.signal.aborted) return { kind: 'timeout', partialText: '', timeoutMs };
    return asErrorOutcome(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The seed's diagnosis step 1: POST `{"prompt": …}` to a locally running agent's `/invocations`
 * (`agentcore launch --local`, or the container on port 8080), with the same reading and bounds.
 */
export async function invokeLocalAgent(options: {
  baseUrl: string;
  prompt: string;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
}): Promise<InvokeOutcome> {
  const { prompt, timeoutMs, fetchImpl = fetch } = options;
  const url = new URL('invocations', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ prompt }),
      signal: deadline.signal,
    });
    const contentType = response.headers.get('content-type') ?? 'application/json';
    const stream = response.body as unknown as AsyncIterable<Uint8Array> | null;
    const body = stream ? await readUntil(stream, deadline.signal) : { text: '', complete: true };
    if (!body.complete) return { kind: 'timeout', partialText: replyText(body.text, contentType), timeoutMs };
    if (!response.ok) {
      return {
        kind: 'error',
        errorName: `HTTP ${response.status}`,
        message: replyText(body.text, contentType).slice(0, 500),
        statusCode: response.status,
      };
    }
    return { kind: 'reply', text: replyText(body.text, contentType), contentType, statusCode: response.status };
  } catch (error) {
    if (deadline.signal.aborted) return { kind: 'timeout', partialText: '', timeoutMs };
    return asErrorOutcome(error);
  } finally {
    clearTimeout(timer);
  }
}

function asErrorOutcome(error: unknown): InvokeOutcome {
  const statusCode = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return {
    kind: 'error',
    errorName: errorName(error) ?? 'Error',
    message: `${errorMessage(error)}${cause}`,
    statusCode,
  };
}

/**
 * The most of one reply kept in memory, in characters: its first and its last half. The proof's digest is often the
 * last thing an agent says and a failure sign may come first, so the middle is what goes.
 */
export const REPLY_LIMIT_CHARS = 1024 * 1024;

export interface ReadOptions {
  /** Tears the stream down when `signal` aborts. */
  destroy?: () => void;
  /** Characters kept (head and tail, half each); `REPLY_LIMIT_CHARS` when absent. */
  limitChars?: number;
}

/**
 * Reads a byte stream to its end, or until `signal` aborts (then `complete: false` with what had arrived). A reply
 * longer than the limit keeps its head and its tail around a marker of what was dropped; the stream is still read to
 * its end (within `signal`), since the verdict may be in the tail, but never held whole.
 */
export async function readUntil(
  stream: AsyncIterable<Uint8Array | string>,
  signal: AbortSignal,
  options: ReadOptions = {},
): Promise<{ text: string; complete: boolean; droppedChars: number }> {
  const decoder = new TextDecoder();
  const kept = new HeadAndTail(options.limitChars ?? REPLY_LIMIT_CHARS);
  const iterator = stream[Symbol.asyncIterator]();
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const result = (complete: boolean) => {
    kept.add(decoder.decode());
    return { text: kept.text(), complete, droppedChars: kept.dropped };
  };
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === 'aborted') {
        options.destroy?.();
        iterator.return?.().catch(() => undefined);
        return result(false);
      }
      if (next.done) break;
      kept.add(typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true }));
    }
  } catch (error) {
    // A body torn down by the abort is a timeout, not a failure.
    if (signal.aborted) return result(false);
    throw error;
  }
  return result(true);
}

/** The first and last `limit / 2` characters of what was added, and how many in between were dropped. */
class HeadAndTail {
  private head = '';
  private tail: string[] = [];
  private tailLength = 0;
  dropped = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;

  constructor(limit: number) {
    this.headLimit = Math.ceil(limit / 2);
    this.tailLimit = Math.floor(limit / 2);
  }

  add(piece: string): void {
    let rest = piece;
    if (this.head.length < this.headLimit) {
      const room = this.headLimit - this.head.length;
      this.head += rest.slice(0, room);
      rest = rest.slice(room);
    }
    if (rest === '') return;
    this.tail.push(rest);
    this.tailLength += rest.length;
    // Trimmed once it holds twice its share, so each character is copied a bounded number of times.
    if (this.tailLength > 2 * this.tailLimit) this.trimTail();
  }

  text(): string {
    this.trimTail();
    const tail = this.tail.join('');
    if (this.dropped === 0) return this.head + tail;
    // Blank lines around the marker end a server-sent event cut short, so the events after it still parse.
    return `${this.head}\n\n[agentcore-guard: ${this.dropped} characters of the reply dropped here]\n\n${tail}`;
  }

  private trimTail(): void {
    if (this.tailLength <= this.tailLimit) return;
    const joined = this.tail.join('');
    const cut = joined.length - this.tailLimit;
    this.dropped += cut;
    this.tail = [joined.slice(cut)];
    this.tailLength = this.tailLimit;
  }
}
