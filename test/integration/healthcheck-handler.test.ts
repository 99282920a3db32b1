import { createServer, type Server } from 'node:http';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createHealthCheckHandler,
  type HealthCheckSummary,
  healthCheckDeps,
} from '../../handlers/healthcheck/index.js';
import {
  createSlackNotifyHandler,
  type SlackNotifySummary,
  slackNotifyDeps,
} from '../../handlers/slack-notify/index.js';
import { snsMessage } from '../../src/alerts/messages.js';
import { SlackWebhookError } from '../../src/alerts/slack.js';
import { loadConfig } from '../../src/config.js';
import { formatHealthAlert } from '../../src/health/alert.js';
import type { HealthResult } from '../../src/health/result.js';
import type { LambdaHandler } from '../../src/observability.js';
import { SEED_AFTER, SEED_BEFORE_WITH_PRODUCT } from '../fixtures/seed-transcripts.js';
import { type AgentCoreFake, digestOfProbeToken, startAgentCoreFake, streamed } from '../support/agentcore-fake.js';
import { createAlertInfrastructure } from '../support/alert-fixtures.js';
import { snsEvent } from '../support/events.js';
import { createCompliantToolkitRole } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { freePort, type MotoServer, startMoto, useEndpoint } from '../support/moto.js';
import { captureOutput } from '../support/output.js';

// moto serves DynamoDB, SNS, SQS and SSM; AgentCore (absent from moto) is the local fake, reached by the handler's
// own clients through the SDK's service-specific endpoint variables.

const TABLE = 'agentcore-guard-health-test';
const ARN = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345';
const ROLE_NAME = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const ROLE = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;

let moto: MotoServer;
let fake: AgentCoreFake;
let sqs: SQSClient;
let queueUrl: string;
let topicArn: string;

async function published(): Promise<{ Subject?: string; Message: string }[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return Messages.map((m) => JSON.parse(m.Body ?? '{}'));
}

beforeAll(async () => {
  moto = await startMoto();
  fake = await startAgentCoreFake();
  useEndpoint(moto.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE', fake.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL', fake.endpoint);
  sqs = new SQSClient({});
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fake.stop();
  await moto.stop();
});

describe('the healthcheck handler end to end', () => {
  let handler: () => Promise<HealthCheckSummary>;

  beforeAll(async () => {
    await moto.reset();
    ({ topicArn, queueUrl } = await createAlertInfrastructure({ table: TABLE }));
    // The agent's execution role, as the toolkit leaves it, plus our policy: the agent starts out able to run code.
    const iam = new IAMClient({});
    expect(await createCompliantToolkitRole(iam, ROLE_NAME)).toBe(ROLE);
    fake.runtimes.push({
      agentRuntimeArn: ARN,
      agentRuntimeId: 'finale_agent-AbCdE12345',
      agentRuntimeName: 'finale_agent',
      status: 'READY',
      roleArn: ROLE,
    });
    const healthCheck = createHealthCheckHandler(
      healthCheckDeps(
        loadConfig({
          ...process.env,
          AGENT_RUNTIME_ARNS: ARN,
          HEALTH_PROBE: 'seed',
          ALERT_STATE_TABLE: TABLE,
          ALERT_TOPIC_ARN: topicArn,
          PROBE_TIMEOUT_SECONDS: '5',
          // moto answers SimulatePrincipalPolicy with HTTP 500 (not implemented): no point retrying it before the
          // permission module falls back to local evaluation.
          IAM_MAX_ATTEMPTS: '1',
        }),
      ),
    );
    handler = () =>
      healthCheck({}, lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs: 900_000 }));
  });

  it('alerts once when the agent answers like the seed\'s "before" transcript, then announces the recovery', async () => {
    // Prepare
    fake.answer = () => ({ events: streamed(SEED_BEFORE_WITH_PRODUCT) });
    // Act
    const first = await handler();
    const second = await handler();
    const alertsWhileFailing = await published();
    fake.answer = () => ({ body: JSON.stringify({ result: SEED_AFTER }) });
    const third = await handler();
    const alertsAfterFix = await published();
    // Assess
    expect(first.agents).toEqual([
      { agentRuntimeArn: ARN, verdict: 'failing', reason: 'tool-not-executed', alert: 'published' },
    ]);
    expect(second.agents[0]?.alert).toBe('none');
    expect(alertsWhileFailing.map((m) => m.Subject)).toEqual([
      '[agentcore-guard] FAILING: finale_agent (tool-not-executed)',
    ]);
    expect(third).toMatchObject({ checked: 1, healthy: 1, failing: 0 });
    expect(alertsAfterFix.map((m) => m.Subject)).toEqual(['[agentcore-guard] RECOVERED: finale_agent']);
    expect(fake.invocations.every((call) => call.agentRuntimeArn === ARN)).toBe(true);
  });

  it('finds a role that lost its Code Interpreter access without asking the model, heals it, then sees it recover', async () => {
    // Prepare: the agent would answer well, but its role no longer allows the Code Interpreter
    const iam = new IAMClient({});
    await iam.send(new DeleteRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: 'CodeInterpreterAccess' }));
    fake.answer = () => ({ body: JSON.stringify({ result: SEED_AFTER }) });
    const invocationsBefore = fake.invocations.length;
    // Act
    const denied = await handler();
    const alertsOnDenial = await published();
    const healed = await iam.send(
      new GetRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: 'CodeInterpreterAccess' }),
    );
    const next = await handler();
    const alertsOnRecovery = await published();
    // Assess
    expect(denied.agents).toEqual([
      { agentRuntimeArn: ARN, verdict: 'failing', reason: 'permission-denied', alert: 'published' },
    ]);
    expect(fake.invocations.length - invocationsBefore).toBe(1);
    expect(healed.PolicyDocument).toBeDefined();
    expect(alertsOnDenial.map((m) => m.Subject)).toEqual([
      '[agentcore-guard] FAILING: finale_agent (permission-denied)',
    ]);
    expect(JSON.parse(alertsOnDenial[0]?.Message ?? '{}').content.description).toContain('Self-heal: `remediated`');
    expect(next).toMatchObject({ healthy: 1, failing: 0 });
    expect(alertsOnRecovery.map((m) => m.Subject)).toEqual(['[agentcore-guard] RECOVERED: finale_agent']);
  });
});

describe('the healthcheck handler discovering agents', () => {
  const output = captureOutput();
  const runtime = (name: string) => ({
    agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/${name}-AbCdE12345`,
    agentRuntimeId: `${name}-AbCdE12345`,
    agentRuntimeName: name,
    status: 'READY',
    // Not a prefixed role: the function may not read it, so the prompt alone decides.
    roleArn: `arn:aws:iam::123456789012:role/${name}-execution-role`,
  });
  const discoverAndCheck = () =>
    createHealthCheckHandler(
      healthCheckDeps(loadConfig({ ...process.env, AGENT_REGIONS: 'us-west-2', PROBE_TIMEOUT_SECONDS: '5' })),
    )({}, lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs: 900_000 }));

  beforeEach(() => {
    fake.reset();
    fake.runtimes.push(runtime('steady'), runtime('deleted'), runtime('unreadable'));
    fake.answer = ({ prompt }) => ({ body: JSON.stringify({ result: `digest: ${digestOfProbeToken(prompt)}` }) });
  });

  it('checks the other agents when one is deleted between the listing and its description', async () => {
    // Prepare
    fake.describeFault = (id) =>
      id.startsWith('deleted-')
        ? { status: 404, errorType: 'ResourceNotFoundException', message: `runtime ${id} not found` }
        : undefined;
    // Act
    const summary = await discoverAndCheck();
    // Assess
    expect(summary.agents.map((a) => [a.agentRuntimeArn, a.verdict])).toEqual([
      [runtime('steady').agentRuntimeArn, 'healthy'],
      [runtime('unreadable').agentRuntimeArn, 'healthy'],
    ]);
    expect(output.lines().filter((l) => l.message === 'agent runtime skipped')).toEqual([
      expect.objectContaining({ agentRuntimeArn: runtime('deleted').agentRuntimeArn, reason: 'deleted' }),
    ]);
  });

  it('logs a description error of 200 KB in a line of a few kilobytes, and checks the other agents', async () => {
    // Prepare: a runtime whose description fails with a huge message (say, a proxy echoing a request)
    const huge = 'x'.repeat(200 * 1024);
    fake.describeFault = (id) =>
      id.startsWith('unreadable-')
        ? { status: 400, errorType: 'ValidationException', message: huge }
        : id.startsWith('deleted-')
          ? { status: 404, errorType: 'ResourceNotFoundException', message: 'gone' }
          : undefined;
    // Act
    const summary = await discoverAndCheck();
    // Assess
    const warning = output.text
      .split('\n')
      .find((line) => line.includes('"agent runtime skipped"') && line.includes('WARN'));
    expect(summary.checked).toBe(1);
    expect(warning).toContain(runtime('unreadable').agentRuntimeArn);
    expect(warning).toContain(`[truncated: ${huge.length} characters]`);
    expect(warning?.length).toBeLessThan(4 * 1024);
  });
});

describe('the slack-notify handler', () => {
  const PARAMETER = '/agentcore-guard/slack-webhook';
  let slack: Server;
  let webhookUrl: string;
  const received: { status: number; body: unknown }[] = [];
  /** How the fake Slack answers, in order (then 200); `hang` never answers. */
  let script: { status: number; retryAfter?: string; hang?: boolean }[] = [];
  let notify: LambdaHandler<unknown, SlackNotifySummary>;
  const handler = (event: unknown, remainingMs?: number) =>
    notify(event, lambdaContext({ functionName: 'agentcore-guard-dev-slackNotify', remainingMs }));
  const output = captureOutput();

  const slackEvent = (message: string) => snsEvent(message, { topicArn });
  const result: HealthResult = {
    agentRuntimeArn: ARN,
    agentName: 'finale_agent',
    region: 'us-west-2',
    probe: 'proof',
    verdict: 'failing',
    reason: 'timeout',
    detail: 'No complete answer within 120 s.',
    excerpt: '',
    checkedAt: '2026-11-26T09:00:00.000Z',
    durationMs: 120_000,
  };
  /** What SNS hands a `lambda` subscriber: the `default` body. */
  // What SNS hands a `lambda` subscriber: that protocol's key of the message.
  const lambdaBody = () => JSON.parse(snsMessage(formatHealthAlert('failing', result))).lambda as string;

  beforeAll(async () => {
    slack = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const next = script.shift() ?? { status: 200 };
        received.push({ status: next.status, body: JSON.parse(body) });
        if (next.hang) return;
        res.writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
        res.end(next.status === 200 ? 'ok' : 'rate_limited');
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => slack.listen(port, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${port}/services/T0000/B0000/secretsecretsecret`;
    await new SSMClient({}).send(
      new PutParameterCommand({ Name: PARAMETER, Type: 'SecureString', Value: webhookUrl, Overwrite: true }),
    );
    notify = createSlackNotifyHandler(
      slackNotifyDeps(loadConfig({ ...process.env, SLACK_WEBHOOK_PARAMETER: PARAMETER })),
    );
  });
  afterAll(async () => {
    slack.closeAllConnections();
    await new Promise<void>((resolve) => slack.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  it('posts the alert as Block Kit to the webhook stored in SSM', async () => {
    // Act
    const outcome = await handler(slackEvent(lambdaBody()));
    // Assess
    expect(outcome).toEqual({ posted: 1, malformed: 0 });
    expect(received[0]?.body).toMatchObject({
      text: expect.stringContaining('finale_agent is failing: timeout'),
      blocks: expect.arrayContaining([expect.objectContaining({ type: 'header' })]),
    });
  });

  it('honours 429 Retry-After and never logs the webhook URL', async () => {
    // Prepare
    script = [{ status: 429, retryAfter: '1' }];
    const started = Date.now();
    // Act
    await handler(slackEvent(lambdaBody()));
    // Assess
    expect(received.map((r) => r.status)).toEqual([429, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(output.text).toContain('slack message posted');
    expect(output.text).not.toContain('secretsecretsecret');
  });

  it('fails without the URL in the error when Slack rejects the message', async () => {
    // Prepare
    script = [{ status: 403 }];
    // Act
    const error = await handler(slackEvent(lambdaBody())).catch((e: unknown) => e as Error);
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('HTTP 403');
    expect((error as Error).message).not.toContain('secretsecretsecret');
  });
  it('acknowledges records that are not SNS messages with one bounded log line, and posts the others', async () => {
    // Prepare
    const event = slackEvent(lambdaBody());
    const mixed = { Records: [{ Sns: { Subject: 'x'.repeat(100_000) } }, ...event.Records, { body: 'from SQS' }] };
    // Act
    const outcome = await handler(mixed);
    // Assess
    const warnings = output.text.split('\n').filter((line) => line.includes('"malformed records acknowledged"'));
    expect(outcome).toEqual({ posted: 1, malformed: 2 });
    expect(received).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.length).toBeLessThan(4 * 1024);
  });

  it("fails at once, saying so, when Slack asks to wait longer than the function's time allows", async () => {
    // Prepare: 20 s to wait; 10 s left in the invocation
    script = [{ status: 429, retryAfter: '20' }];
    // Act
    const error = (await handler(slackEvent(lambdaBody()), 10_000).catch((e: unknown) => e)) as Error;
    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect(error.message).toMatch(/waiting 20 s to retry would outlast the time this invocation has left/);
    expect(received.map((r) => r.status)).toEqual([429]);
  });

  it('gives up on a post Slack never answers, within the time the function has left', async () => {
    // Prepare: Slack takes the request and never answers; 5 s left in the invocation
    script = [{ status: 200, hang: true }];
    // Act
    const error = (await handler(slackEvent(lambdaBody()), 5_000).catch((e: unknown) => e)) as Error;
    // Assess
    expect(error).toBeInstanceOf(SlackWebhookError);
    expect(error.message).toMatch(/no answer within \d+ ms/);
    expect(received).toHaveLength(1);
  });
});
