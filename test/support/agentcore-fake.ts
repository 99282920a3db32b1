import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';

/**
 * A focused fake of the AgentCore data plane (`InvokeAgentRuntime`) and of the three control-plane reads the health
 * check uses (`ListAgentRuntimes`, `GetAgentRuntime`, `ListTagsForResource` on `GET /tags/{arn}`), on 127.0.0.1 and a
 * free port. moto has no AgentCore, so
 * the REAL SDK clients are pointed at this server with `endpoint` / `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE*`.
 * Wire shapes follow the SDK's own model (@aws-sdk/client-bedrock-agentcore):
 *   POST /runtimes/{agentRuntimeArn, URL-encoded}/invocations?qualifier=…, body = payload,
 *   headers Content-Type, Accept, X-Amzn-Bedrock-AgentCore-Runtime-Session-Id;
 *   reply: the body is the stream, Content-Type tells JSON from SSE.
 * It also serves a local agent's `POST /invocations` (the container contract on port 8080), and the Code Interpreter
 * session calls (`PUT …/sessions/start`, `POST …/tools/invoke` answering an `application/vnd.amazon.eventstream`
 * of `result` events, `PUT …/sessions/stop?sessionId=`), where it evaluates `print(<a> * <b>)` for real.
 */
export interface FakeInvocation {
  path: string;
  agentRuntimeArn?: string;
  qualifier: string | null;
  sessionId?: string;
  contentType?: string;
  accept?: string;
  payload: unknown;
  prompt: string;
}

export interface FakeReply {
  status?: number;
  contentType?: string;
  /** Whole body at once. */
  body?: string;
  /** A body written piece by piece as the client reads it (so a huge reply is never held by the fake either). */
  chunks?: Iterable<string>;
  /** SSE: each becomes one `data: <json>` event. */
  events?: unknown[];
  eventDelayMs?: number;
  /** Never answer (headers only, then silence): for timeouts. */
  hang?: boolean;
  headers?: Record<string, string>;
}

export interface FakeError {
  status: number;
  /** The `x-amzn-errortype` the SDK turns into the error's name. */
  errorType: string;
  message: string;
}

export interface FakeRuntime {
  agentRuntimeArn: string;
  agentRuntimeId: string;
  agentRuntimeName: string;
  status: string;
  roleArn: string;
  /** Its tags, as `ListTagsForResource` answers them (none when absent). */
  tags?: Record<string, string>;
}

export interface AgentCoreFake {
  endpoint: string;
  invocations: FakeInvocation[];
  /** How the agent answers; replaced per test. */
  answer: (invocation: FakeInvocation) => FakeReply;
  runtimes: FakeRuntime[];
  /** Page size the fake uses for ListAgentRuntimes, to exercise pagination. */
  pageSize: number;
  /** GetAgentRuntime of a listed runtime answers this error instead (say, it was deleted after the listing). */
  describeFault?: (agentRuntimeId: string) => FakeError | undefined;
  /** ListTagsForResource answers this error instead (say, the caller may not read tags). */
  tagsFault?: (agentRuntimeArn: string) => FakeError | undefined;
  /** The ARNs whose tags were read, in order. */
  tagReads: string[];
  /** Code Interpreter sessions: started and stopped ids, and the tool calls received. */
  interpreter: {
    started: string[];
    stopped: string[];
    calls: { sessionId?: string; body: unknown }[];
    failInvoke: boolean;
  };
  reset(): void;
  stop(): Promise<void>;
}

export async function startAgentCoreFake(): Promise<AgentCoreFake> {
  const fake: AgentCoreFake = {
    endpoint: '',
    invocations: [],
    answer: () => ({ status: 500, body: '{"message":"no answer configured"}' }),
    runtimes: [],
    tagReads: [],
    pageSize: 2,
    interpreter: { started: [], stopped: [], calls: [], failInvoke: false },
    reset() {
      fake.interpreter = { started: [], stopped: [], calls: [], failInvoke: false };
      fake.invocations.length = 0;
      fake.runtimes.length = 0;
      fake.describeFault = undefined;
      fake.tagsFault = undefined;
      fake.tagReads.length = 0;
      fake.answer = () => ({ status: 500, body: '{"message":"no answer configured"}' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    void handle(fake, req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}

async function handle(fake: AgentCoreFake, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://fake');
  const raw = await readBody(req);
  const invocation = /^\/runtimes\/([^/]+)\/invocations$/.exec(url.pathname);
  if (req.method === 'POST' && (invocation || url.pathname === '/invocations')) {
    const payload = raw ? JSON.parse(raw) : undefined;
    const call: FakeInvocation = {
      path: url.pathname,
      agentRuntimeArn: invocation ? decodeURIComponent(invocation[1] as string) : undefined,
      qualifier: url.searchParams.get('qualifier'),
      sessionId: header(req, 'x-amzn-bedrock-agentcore-runtime-session-id'),
      contentType: header(req, 'content-type'),
      accept: header(req, 'accept'),
      payload,
      prompt: typeof payload?.prompt === 'string' ? payload.prompt : '',
    };
    fake.invocations.push(call);
    return reply(res, fake.answer(call));
  }
  const interpreter = /^\/code-interpreters\/([^/]+)\/(sessions\/start|sessions\/stop|tools\/invoke)$/.exec(
    url.pathname,
  );
  if (interpreter) return codeInterpreter(fake, interpreter[2] as string, url, req, raw, res);
  const tags = /^\/tags\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && tags) {
    const arn = decodeURIComponent(tags[1] as string);
    fake.tagReads.push(arn);
    const fault = fake.tagsFault?.(arn);
    if (fault) return json(res, fault.status, { message: fault.message }, fault.errorType);
    const found = fake.runtimes.find((r) => r.agentRuntimeArn === arn);
    if (!found) return json(res, 404, { message: `resource ${arn} not found` }, 'ResourceNotFoundException');
    return json(res, 200, { tags: found.tags ?? {} });
  }
  const getRuntime = /^\/runtimes\/([^/]+)\/?$/.exec(url.pathname);
  if (req.method === 'GET' && getRuntime) {
    const id = decodeURIComponent(getRuntime[1] as string);
    const fault = fake.describeFault?.(id);
    if (fault) return json(res, fault.status, { message: fault.message }, fault.errorType);
    const found = fake.runtimes.find((r) => r.agentRuntimeId === id);
    if (!found) return json(res, 404, { message: `runtime ${id} not found` }, 'ResourceNotFoundException');
    const { tags: _tags, ...described } = found;
    return json(res, 200, {
      ...described,
      agentRuntimeVersion: '1',
      createdAt: '2026-11-01T00:00:00Z',
      lastUpdatedAt: '2026-11-01T00:00:00Z',
    });
  }
  if (req.method === 'POST' && url.pathname === '/runtimes/') {
    const start = Number(url.searchParams.get('nextToken') ?? '0');
    const page = fake.runtimes.slice(start, start + fake.pageSize);
    const next = start + fake.pageSize < fake.runtimes.length ? String(start + fake.pageSize) : undefined;
    return json(res, 200, {
      agentRuntimes: page.map(({ roleArn: _role, tags: _tags, ...r }) => ({
        ...r,
        agentRuntimeVersion: '1',
        description: '',
        lastUpdatedAt: '2026-11-01T00:00:00Z',
      })),
      ...(next ? { nextToken: next } : {}),
    });
  }
  return json(res, 404, { message: `no route ${req.method} ${url.pathname}` }, 'UnknownOperationException');
}

function codeInterpreter(
  fake: AgentCoreFake,
  operation: string,
  url: URL,
  req: IncomingMessage,
  raw: string,
  res: ServerResponse,
) {
  if (operation === 'sessions/start') {
    const sessionId = `sess-${fake.interpreter.started.length + 1}`;
    fake.interpreter.started.push(sessionId);
    return json(res, 200, {
      codeInterpreterIdentifier: 'aws.codeinterpreter.v1',
      sessionId,
      createdAt: '2026-11-26T09:00:00Z',
    });
  }
  if (operation === 'sessions/stop') {
    fake.interpreter.stopped.push(url.searchParams.get('sessionId') ?? '');
    return json(res, 200, {
      codeInterpreterIdentifier: 'aws.codeinterpreter.v1',
      sessionId: url.searchParams.get('sessionId'),
      lastUpdatedAt: '2026-11-26T09:00:01Z',
    });
  }
  const body = raw ? JSON.parse(raw) : {};
  fake.interpreter.calls.push({ sessionId: header(req, 'x-amzn-code-interpreter-session-id'), body });
  if (fake.interpreter.failInvoke) {
    return json(res, 403, { message: 'not authorized to perform InvokeCodeInterpreter' }, 'AccessDeniedException');
  }
  const product = /^print\((\d+) \* (\d+)\)$/.exec(body?.arguments?.code ?? '');
  const stdout = product ? `${Number(product[1]) * Number(product[2])}\n` : '';
  const codec = new EventStreamCodec(
    (bytes) => new TextDecoder().decode(bytes),
    (text) => new TextEncoder().encode(text),
  );
  const event = codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: 'result' },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new TextEncoder().encode(
      JSON.stringify({
        content: [{ type: 'text', text: stdout }],
        structuredContent: { stdout, stderr: product ? '' : 'SyntaxError', exitCode: product ? 0 : 1 },
        isError: !product,
      }),
    ),
  });
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  res.end(Buffer.from(event));
}

async function reply(res: ServerResponse, answer: FakeReply) {
  const contentType = answer.contentType ?? (answer.events ? 'text/event-stream' : 'application/json');
  res.writeHead(answer.status ?? 200, { 'content-type': contentType, ...answer.headers });
  if (answer.hang) {
    res.flushHeaders();
    return; // the socket stays open until the client gives up or the fake stops
  }
  if (answer.chunks) {
    for (const chunk of answer.chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
    return;
  }
  if (answer.events) {
    for (const event of answer.events) {
      res.write(`data: ${JSON.stringify(event)}\n\n`);
      if (answer.eventDelayMs) await new Promise((r) => setTimeout(r, answer.eventDelayMs));
    }
    res.end();
    return;
  }
  res.end(answer.body ?? '');
}

function json(res: ServerResponse, status: number, body: unknown, errorType?: string) {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** What an agent that really runs the proof program prints: the SHA-256 of the token found in the prompt. */
export function digestOfProbeToken(prompt: string): string {
  const token = /probe-[0-9a-f]{32}/.exec(prompt)?.[0];
  if (!token) throw new Error('no probe token in the prompt');
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Splits text into SSE chunks of `size` characters, the way a model streams tokens. */
export function streamed(text: string, size = 7): { data: string }[] {
  const chunks: { data: string }[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push({ data: text.slice(i, i + size) });
  return chunks;
}
