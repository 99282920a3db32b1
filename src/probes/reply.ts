import { createParser } from 'eventsource-parser';

/**
 * Turns an agent's raw reply into the text a probe judges. Agents answer `application/json` (whatever the
 * entrypoint returned) or `text/event-stream` (`data: <json>` lines, streamed chunks of the answer).
 */
export function replyText(body: string, contentType: string | undefined): string {
  if ((contentType ?? '').toLowerCase().includes('text/event-stream')) return sseText(body);
  const parsed = tryJson(body);
  return parsed === undefined ? body : jsonText(parsed);
}

/** Every string in a JSON value, depth first, one per line: the digest or the number is in one of them. */
export function jsonText(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') parts.push(v);
    else if (typeof v === 'number') parts.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return parts.join('\n');
}

/**
 * Server-sent events: the `data:` lines of each event. Chunks are joined without separators, since a streamed
 * answer may split a word (or a digest) across events. A JSON string chunk is its text; a JSON object chunk
 * contributes its text-bearing field (`text`, `data`, `delta`, `content`…), so metadata is not glued into the
 * answer; anything else is plain text. Some agents stream each piece twice in two shapes (Strands yields the raw
 * model event `{"event": {"contentBlockDelta": …}}` and then `{"data": …}`): chunks are therefore grouped by
 * shape and each shape's text is joined on its own, one shape per line.
 */
export function sseText(body: string): string {
  const byShape = new Map<string, string[]>();
  const add = (shape: string, text: string) => {
    if (text === '') return;
    const list = byShape.get(shape) ?? [];
    list.push(text);
    byShape.set(shape, list);
  };
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === '' || data === '[DONE]') return;
      const parsed = tryJson(data);
      if (parsed === undefined) add('text', data);
      else add(...chunkText(parsed, ''));
    },
  });
  parser.feed(body);
  // A stream cut off without its final blank line still ends its last event.
  parser.feed('\n\n');
  return [...byShape.values()].map((chunks) => chunks.join('')).join('\n');
}

const TEXT_KEYS = ['text', 'data', 'delta', 'content', 'result', 'output', 'response', 'message', 'completion'];

/** A chunk's text and its shape (the path of keys that led to it). */
function chunkText(value: unknown, path: string): [string, string] {
  if (typeof value === 'string') return [path || 'string', value];
  if (typeof value === 'number') return [path || 'string', String(value)];
  if (Array.isArray(value)) {
    return [path, value.map((v) => chunkText(v, path)[1]).join('')];
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of TEXT_KEYS) if (key in record) return chunkText(record[key], `${path}/${key}`);
    // Wrappers such as {"event": {"contentBlockDelta": {"delta": {"text": …}}}}: one level at a time.
    const nested = Object.entries(record).filter(([, v]) => v && typeof v === 'object');
    if (nested.length === 1) {
      const [key, inner] = nested[0] as [string, unknown];
      return chunkText(inner, `${path}/${key}`);
    }
  }
  return [path, ''];
}

function tryJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** A short, single-line piece of the reply for alerts: around `at` when given, else its end. */
export function excerptOf(text: string, at?: number, max = 280): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  if (at === undefined) return `…${flat.slice(flat.length - max + 1)}`;
  const flatAt = Math.min(flat.length, Math.max(0, text.slice(0, at).replace(/\s+/g, ' ').length));
  const start = Math.max(0, Math.min(flatAt - Math.floor(max / 3), flat.length - max));
  const piece = flat.slice(start, start + max);
  return `${start > 0 ? '…' : ''}${piece}${start + max < flat.length ? '…' : ''}`;
}
