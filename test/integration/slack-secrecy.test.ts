import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlackNotifyHandler, slackNotifyDeps } from '../../handlers/slack-notify/index.js';
import { loadConfig } from '../../src/config.js';
import { type LambdaHandler, logger } from '../../src/observability.js';
import { snsEvent } from '../support/events.js';
import { lambdaContext } from '../support/lambda.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';

/**
 * The Slack webhook URL is a secret (whoever has it can post to the channel). The real slack-notify handler reads it
 * from an SSM SecureString (moto) and posts to a local fake Slack on 127.0.0.1 whose path has the shape of a real
 * webhook. Everything the path could print is captured: both process streams (Powertools writes there), every console
 * method, process warnings, and the error a failed invocation throws (Lambda logs it with its stack and cause).
 */
const PARAMETER = '/agentcore-guard/slack-webhook-secrecy';
const TEAM = 'T0SECRETTEAM';
const CHANNEL = 'B0SECRETCHAN';
const TOKEN = 'xq7SecretWebhookToken9Zk2';

type Behaviour = { kind: 'status'; status: number; retryAfter?: string; body?: string } | { kind: 'reset' };

let moto: MotoServer;
let slack: Server;
let webhookUrl: string;
let script: Behaviour[] = [];
let received = 0;
let captured: string[] = [];
let notify: LambdaHandler<SNSEvent, { posted: number }>;

const alarmEvent = (message: string) => snsEvent(message, { subject: 'ALARM: dead letters', messageId: 'secrecy-1' });

/** Every form in which the secret could leak. */
const secretForms = () => {
  const path = new URL(webhookUrl).pathname;
  return [webhookUrl, path, `${TEAM}/${CHANNEL}`, TOKEN, encodeURIComponent(webhookUrl), encodeURIComponent(path)];
};

function leaks(text: string): string[] {
  return secretForms().filter((form) => text.includes(form));
}

/** Runs the handler once, capturing all output, and returns it with the thrown error rendered as Lambda would. */
async function invokeCapturing(): Promise<{ output: string; error?: unknown }> {
  captured = [];
  let error: unknown;
  try {
    await notify(alarmEvent('ALARM: the dead-letter queue is not empty'), lambdaContext());
  } catch (e) {
    error = e;
  }
  const rendered = error === undefined ? '' : `${inspect(error, { depth: 5 })}\n${JSON.stringify(error)}\n`;
  return { output: captured.join('') + rendered, error };
}

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  slack = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      const next = script.shift() ?? { kind: 'status', status: 200 };
      if (next.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
      // Slack's real error bodies are short codes; echo the path too, as a careless proxy might.
      res.end(next.status === 200 ? 'ok' : (next.body ?? `error for ${req.url}`));
    });
  });
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  const { port } = slack.address() as AddressInfo;
  webhookUrl = `http://127.0.0.1:${port}/services/${TEAM}/${CHANNEL}/${TOKEN}`;
  await new SSMClient({}).send(
    new PutParameterCommand({ Name: PARAMETER, Type: 'SecureString', Value: webhookUrl, Overwrite: true }),
  );
  // Everything the handler could log, debug included.
  logger.setLogLevel('DEBUG');
  notify = createSlackNotifyHandler(
    slackNotifyDeps(loadConfig({ ...process.env, SLACK_WEBHOOK_PARAMETER: PARAMETER })),
  );
}, 60_000);

afterAll(async () => {
  logger.setLogLevel('INFO');
  await new Promise<void>((resolve) => slack?.close(() => resolve()));
  await moto?.release();
});

beforeEach(() => {
  received = 0;
  const keep = (chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  };
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      keep(chunk);
      return true;
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      keep(`${args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 5 }))).join(' ')}\n`);
    });
  }
  vi.spyOn(process, 'emitWarning').mockImplementation(((warning: string | Error) => {
    keep(`${String(warning)}\n`);
  }) as typeof process.emitWarning);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('slack-notify never writes the webhook URL or its path', () => {
  it('when Slack accepts the message', async () => {
    // Act
    const { output, error } = await invokeCapturing();
    // Assess
    expect(error).toBeUndefined();
    expect(output).toContain('slack message posted');
    expect(leaks(output)).toEqual([]);
  });

  it('when Slack answers 429 with Retry-After, then accepts', async () => {
    // Prepare
    script = [{ kind: 'status', status: 429, retryAfter: '1' }];
    // Act
    const { output, error } = await invokeCapturing();
    // Assess
    expect(error).toBeUndefined();
    expect(received).toBe(2);
    expect(leaks(output)).toEqual([]);
  });

  it('when Slack keeps answering 5xx and the invocation fails', async () => {
    // Prepare
    script = Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 }));
    // Act
    const { output, error } = await invokeCapturing();
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(output).toContain('HTTP 503');
    expect(output).toContain('slack message not posted');
    expect(leaks(output)).toEqual([]);
  });

  it('when Slack answers 403 with a body that echoes only the token', async () => {
    // Prepare
    script = [{ kind: 'status', status: 403, body: `invalid_token: ${TOKEN} was revoked` }];
    // Act
    const { output, error } = await invokeCapturing();
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(received).toBe(1);
    expect(output).toContain('HTTP 403 invalid_token: [webhook] was revoked');
    expect(leaks(output)).toEqual([]);
  });

  it('when the connection to Slack breaks and the invocation fails', async () => {
    // Prepare
    script = Array.from({ length: 4 }, () => ({ kind: 'reset' as const }));
    // Act
    const { output, error } = await invokeCapturing();
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(received).toBe(4);
    expect(output).toContain('slack message not posted');
    expect(leaks(output)).toEqual([]);
  });

  it('would notice a leak: the capture sees the URL when something prints it', async () => {
    // Act
    console.error(`posting to ${webhookUrl}`);
    process.stdout.write(`path ${new URL(webhookUrl).pathname}\n`);
    // Assess
    expect(leaks(captured.join(''))).toEqual(expect.arrayContaining([webhookUrl, new URL(webhookUrl).pathname]));
  });
});
