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
 * contributes its text-bearing fields (`data`, `text`, `delta`, `content`…), so metadata is not glued into the
 * answer; anything else is taken as plain text.
 */
export function sseText(body: string): string {
  const chunks: string[] = [];
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data === '' || data === '[DONE]') continue;
    const parsed = tryJson(data);
    if (parsed === undefined) chunks.push(data);
    else if (typeof parsed === 'string') chunks.push(parsed);
    else chunks.push(chunkText(parsed));
  }
  return chunks.join('');
}

const TEXT_KEYS = ['text', 'data', 'delta', 'content', 'result', 'output', 'response', 'message', 'completion'];

function chunkText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(chunkText).join('');
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of TEXT_KEYS) if (key in record) return chunkText(record[key]);
    // Wrappers such as {"event": {"contentBlockDelta": {"delta": {"text": …}}}}: one level at a time.
    const values = Object.values(record).filter((v) => v && typeof v === 'object');
    return values.length === 1 ? chunkText(values[0]) : '';
  }
  return '';
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
