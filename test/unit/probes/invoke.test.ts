import { describe, expect, it } from 'vitest';
import { REPLY_LIMIT_CHARS, readUntil } from '../../../src/probes/invoke.js';

const MiB = 1024 * 1024;
const encode = (text: string) => new TextEncoder().encode(text);

/** `count` copies of one chunk between a first and a last piece, made as they are read: never a whole body. */
async function* replyOf(first: string, chunk: Uint8Array, count: number, last: string) {
  yield encode(first);
  for (let i = 0; i < count; i++) yield chunk;
  yield encode(last);
}

describe('reading a reply', () => {
  it('returns a reply within the limit as it came', async () => {
    // Act
    const body = await readUntil(replyOf('{"result": "', encode('391'), 1, '"}'), new AbortController().signal);
    // Assess
    expect(body).toEqual({ text: '{"result": "391"}', complete: true, droppedChars: 0 });
  });

  it('keeps a reply sixteen times the cap to 1 MiB: its head, a marker of what was dropped, and its tail', async () => {
    // Prepare
    const chunk = encode('x'.repeat(64 * 1024));
    const first = 'The tool ran. Output follows: ';
    const last = ' digest: 0123456789abcdef';
    const total = first.length + 256 * chunk.length + last.length;
    // Act
    const body = await readUntil(replyOf(first, chunk, 256, last), new AbortController().signal);
    // Assess
    expect(total).toBeGreaterThan(16 * MiB - 1);
    expect(body.complete).toBe(true);
    expect(body.droppedChars).toBe(total - REPLY_LIMIT_CHARS);
    expect(body.text.length).toBeLessThan(REPLY_LIMIT_CHARS + 100);
    expect(body.text.startsWith(first)).toBe(true);
    expect(body.text.endsWith(last)).toBe(true);
    expect(body.text).toContain(`[agentcore-guard: ${total - REPLY_LIMIT_CHARS} characters of the reply dropped here]`);
  });

  it('keeps a server-sent event after the cut readable: the marker ends the event cut short', async () => {
    // Prepare: a long first event, then the answer as the last event
    const events = [`data: ${JSON.stringify({ data: 'y'.repeat(2_000) })}\n\n`, 'data: {"data": "391"}\n\n'];
    // Act
    const body = await readUntil(
      (async function* () {
        for (const e of events) yield e;
      })(),
      new AbortController().signal,
      { limitChars: 1_000 },
    );
    // Assess
    expect(body.text.length).toBeLessThan(1_100);
    expect(body.text.endsWith('data: {"data": "391"}\n\n')).toBe(true);
    expect(body.text).toMatch(/\n\n\[agentcore-guard: \d+ characters of the reply dropped here\]\n\n/);
  });

  it('stops at the deadline with what had arrived, bounded as well', async () => {
    // Prepare: a stream that never ends
    const deadline = new AbortController();
    let read = 0;
    const endless = (async function* () {
      for (;;) {
        read++;
        if (read === 100) deadline.abort();
        yield 'z'.repeat(1_000);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // Act
    const body = await readUntil(endless, deadline.signal, { limitChars: 10_000 });
    // Assess
    expect(body.complete).toBe(false);
    expect(body.text.length).toBeLessThan(10_100);
    expect(body.droppedChars).toBeGreaterThan(0);
  });
});
