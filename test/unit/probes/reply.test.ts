import { describe, expect, it } from 'vitest';
import { excerptOf, replyText } from '../../../src/probes/reply.js';

describe('reading a JSON reply', () => {
  it('collects every string, however the entrypoint nested it', () => {
    // Prepare
    const body = JSON.stringify({ result: { role: 'assistant', content: [{ text: 'The answer is 391.' }] } });
    // Act
    const text = replyText(body, 'application/json');
    // Assess
    expect(text).toContain('The answer is 391.');
  });

  it('keeps a body that is not JSON as it is', () => {
    expect(replyText('plain words', 'application/json')).toBe('plain words');
  });
});

describe('reading a server-sent event stream', () => {
  it('joins JSON string chunks without separators, so a split digest is whole again', () => {
    // Prepare
    const body = 'data: "abc"\n\ndata: "def"\n\ndata: "123"\n\n';
    // Act & Assess
    expect(replyText(body, 'text/event-stream')).toBe('abcdef123');
  });

  it('takes the text of object chunks and ignores their metadata', () => {
    // Prepare
    const body = [
      'data: {"data": "39", "agent": {"name": "finale"}, "cycle": 1}',
      'data: {"data": "1.", "agent": {"name": "finale"}, "cycle": 1}',
      'data: {"event": {"messageStop": {"stopReason": "end_turn"}}}',
      '',
    ].join('\n\n');
    // Act & Assess
    expect(replyText(body, 'text/event-stream; charset=utf-8')).toBe('391.');
  });

  it('accepts CRLF line ends and plain-text data lines', () => {
    expect(replyText('data: hello\r\n\r\ndata: world\r\n\r\n', 'text/event-stream')).toBe('helloworld');
  });
});

describe('excerpts', () => {
  it('centre on the given position of a long reply', () => {
    // Prepare
    const text = `${'a '.repeat(400)}access restrictions ${'b '.repeat(400)}`;
    // Act
    const excerpt = excerptOf(text, text.indexOf('access'), 100);
    // Assess
    expect(excerpt).toContain('access restrictions');
    expect(excerpt.length).toBeLessThanOrEqual(102);
  });

  it('keep a short reply whole, on one line', () => {
    expect(excerptOf('line one\nline two')).toBe('line one line two');
  });
});

describe('a stream that sends each piece twice in two shapes', () => {
  it('keeps each shape whole, so the answer is not interleaved with itself', () => {
    // Prepare: what a Strands agent yields for "391." in two pieces
    const body = [
      'data: {"event": {"contentBlockDelta": {"delta": {"text": "39"}}}}',
      'data: {"data": "39", "delta": {"text": "39"}}',
      'data: {"event": {"contentBlockDelta": {"delta": {"text": "1."}}}}',
      'data: {"data": "1.", "delta": {"text": "1."}}',
      '',
    ].join('\n\n');
    // Act
    const text = replyText(body, 'text/event-stream');
    // Assess
    expect(text.split('\n')).toEqual(['391.', '391.']);
  });
});
