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
      ? await readUntil(stream, deadline.signal, () => stream.destroy?.())
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

/** Reads a byte stream to its end, or until `signal` aborts (then `complete: false` with what had arrived). */
export async function readUntil(
  stream: AsyncIterable<Uint8Array | string>,
  signal: AbortSignal,
  destroy?: () => void,
): Promise<{ text: string; complete: boolean }> {
  const decoder = new TextDecoder();
  let text = '';
  const iterator = stream[Symbol.asyncIterator]();
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === 'aborted') {
        destroy?.();
        iterator.return?.().catch(() => undefined);
        return { text: text + decoder.decode(), complete: false };
      }
      if (next.done) break;
      text += typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true });
    }
  } catch (error) {
    // A body torn down by the abort is a timeout, not a failure.
    if (signal.aborted) return { text: text + decoder.decode(), complete: false };
    throw error;
  }
  return { text: text + decoder.decode(), complete: true };
}
