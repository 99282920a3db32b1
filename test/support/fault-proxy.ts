import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy between an SDK client and the emulator (moto) that injects the failures a real AWS API
 * shows under load, at configurable rates, from a seeded PRNG so that a run can be reproduced.
 *
 * Kinds of fault (at most one per request; drawn in this order from one random number):
 * - `throttle`: HTTP 400 with IAM's query-protocol error body and code `Throttling`, which the SDK classifies as a
 *   throttling error (THROTTLING_ERROR_CODES in @smithy/core/retry) and retries with its throttling backoff.
 *   Injected before forwarding: the call was not applied.
 * - `serverError`: HTTP 500 (`ServiceFailure`, IAM's own 500 code) or 503 (`ServiceUnavailable`), not applied.
 * - `reset`: the connection is destroyed before anything is forwarded (not applied; the client sees ECONNRESET).
 * - `appliedThenReset`: forwarded to the emulator, which applies it, then the connection is destroyed before the
 *   answer reaches the client. The realistic hard case for idempotency: the write happened, the caller does not know.
 * Independently of those, `latency` delays a request by a random time within `latencyMs` before it is handled.
 *
 * The PRNG sequence is reproducible; which request receives which draw depends on arrival order, which concurrent
 * callers do not fix exactly. Tests therefore assert on properties and on counts read from `stats`, not on which
 * request failed.
 */
export interface FaultRates {
  throttle: number;
  serverError: number;
  reset: number;
  appliedThenReset: number;
  latency: number;
}

export type FaultKind = 'throttle' | 'serverError' | 'reset' | 'appliedThenReset';

export interface FaultProxyOptions {
  /** Where requests are forwarded, e.g. the moto endpoint. */
  target: string;
  seed: number;
  rates?: Partial<FaultRates>;
  /** Added latency bounds in milliseconds, inclusive. Default [5, 40]. */
  latencyMs?: readonly [number, number];
  /** Only these API actions receive faults (default: all). Others are forwarded untouched, without a draw. */
  faultActions?: readonly string[];
  /** A throttled answer carries `Retry-After: <seconds>`, as a service telling its callers to back off does. */
  retryAfterSeconds?: number;
  /**
   * Answers a request itself instead of forwarding it (an API the emulator lacks): status and XML body, or undefined
   * to forward as usual. Asked after any fault was drawn, so faults apply to it too.
   */
  answer?: (action: string, body: URLSearchParams) => Promise<[status: number, xml: string] | undefined>;
}

export interface FaultProxyStats {
  /** Requests received, by API action (`Action=` of the query protocol; `(other)` when absent). */
  requests: Record<string, number>;
  /** Requests that reached the emulator, by action: only these can have changed its state. */
  forwarded: Record<string, number>;
  /** Faults injected, by kind. */
  injected: Record<FaultKind | 'latency', number>;
  /** Faults injected, by action and kind, e.g. `PutRolePolicy:appliedThenReset`. */
  injectedByAction: Record<string, number>;
}

export interface FaultProxy {
  endpoint: string;
  stats(): FaultProxyStats;
  /** Changes the fault rates from now on (e.g. `{}` for a clean pass), and optionally which actions get faults. */
  setRates(rates: Partial<FaultRates>, faultActions?: readonly string[]): void;
  /** Zeroes the counters. */
  resetStats(): void;
  stop(): Promise<void>;
}

const NO_FAULTS: FaultRates = { throttle: 0, serverError: 0, reset: 0, appliedThenReset: 0, latency: 0 };

/** mulberry32: a small, well-known 32-bit PRNG; plenty for choosing faults, and seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** IAM's query-protocol error document, as IAM itself sends it. */
export function iamErrorBody(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return (
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type>` +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

function validateRates(rates: FaultRates): void {
  for (const [name, rate] of Object.entries(rates)) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate ${name} must be within 0..1, got ${rate}`);
  }
  const exclusive = rates.throttle + rates.serverError + rates.reset + rates.appliedThenReset;
  if (exclusive > 1)
    throw new RangeError(`throttle + serverError + reset + appliedThenReset must be ≤ 1, got ${exclusive}`);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function actionOf(body: Buffer, url: string | undefined): string {
  const fromBody = new URLSearchParams(body.toString('utf8')).get('Action');
  if (fromBody) return fromBody;
  const fromQuery = new URL(url ?? '/', 'http://x').searchParams.get('Action');
  return fromQuery ?? '(other)';
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed);
  const [minLatency, maxLatency] = options.latencyMs ?? [5, 40];
  let rates: FaultRates = { ...NO_FAULTS, ...options.rates };
  validateRates(rates);
  let faultActions = options.faultActions ? new Set(options.faultActions) : undefined;

  let stats: FaultProxyStats;
  const resetStats = () => {
    stats = {
      requests: {},
      forwarded: {},
      injected: { throttle: 0, serverError: 0, reset: 0, appliedThenReset: 0, latency: 0 },
      injectedByAction: {},
    };
  };
  resetStats();

  const draw = (): { fault: FaultKind | undefined; delayMs: number; status5xx: 500 | 503 } => {
    // Always three draws per request, so the sequence does not depend on the rates.
    const f = random();
    const l = random();
    const d = random();
    const kinds: [FaultKind, number][] = [
      ['throttle', rates.throttle],
      ['serverError', rates.serverError],
      ['reset', rates.reset],
      ['appliedThenReset', rates.appliedThenReset],
    ];
    let fault: FaultKind | undefined;
    let edge = 0;
    for (const [kind, rate] of kinds) {
      edge += rate;
      if (f < edge) {
        fault = kind;
        break;
      }
    }
    const delayMs = l < rates.latency ? Math.round(minLatency + d * (maxLatency - minLatency)) : 0;
    return { fault, delayMs, status5xx: d < 0.5 ? 500 : 503 };
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: object; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const upstream = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (res) => {
          readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const action = actionOf(body, req.url);
    bump(stats.requests, action);
    const { fault, delayMs, status5xx } =
      faultActions && !faultActions.has(action) ? { fault: undefined, delayMs: 0, status5xx: 500 } : draw();
    if (delayMs > 0) {
      stats.injected.latency++;
      await new Promise((r) => setTimeout(r, delayMs));
    }
    if (fault) {
      stats.injected[fault]++;
      bump(stats.injectedByAction, `${action}:${fault}`);
    }
    const xml = { 'content-type': 'text/xml' };
    switch (fault) {
      case 'throttle':
        res
          .writeHead(400, {
            ...xml,
            ...(options.retryAfterSeconds ? { 'retry-after': String(options.retryAfterSeconds) } : {}),
          })
          .end(iamErrorBody('Throttling', 'Rate exceeded'));
        return;
      case 'serverError':
        if (status5xx === 500) {
          res.writeHead(500, xml).end(iamErrorBody('ServiceFailure', 'Injected internal failure', 'Receiver'));
        } else {
          res.writeHead(503, xml).end(iamErrorBody('ServiceUnavailable', 'Injected: service unavailable', 'Receiver'));
        }
        return;
      case 'reset':
        req.socket.destroy();
        return;
      default:
        break;
    }
    const answered = await options.answer?.(action, new URLSearchParams(body.toString('utf8')));
    if (answered) {
      res.writeHead(answered[0], xml).end(answered[1]);
      return;
    }
    bump(stats.forwarded, action);
    const upstream = await forward(req, body);
    if (fault === 'appliedThenReset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, upstream.headers as Record<string, string>).end(upstream.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else req.socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    setRates(next, actions) {
      const candidate = { ...NO_FAULTS, ...next };
      validateRates(candidate);
      rates = candidate;
      faultActions = actions ? new Set(actions) : undefined;
    },
    resetStats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
