import { createServer, type Server } from 'node:http';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createHealthCheckHandler,
  type HealthCheckRejected,
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
import { iamError, iamResult, startFakeIam } from '../support/fake-iam.js';
import { createCompliantToolkitRole } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { freePort, leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
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

async function published(from = queueUrl): Promise<{ Subject?: string; Message: string }[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return Messages.map((m) => JSON.parse(m.Body ?? '{}'));
}

/** The run's summary; an input the handler rejected fails the test. */
async function summaryOf(run: Promise<HealthCheckSummary | HealthCheckRejected>): Promise<HealthCheckSummary> {
  const out = await run;
  if (!('probes' in out)) throw new Error(`the health check rejected its input: ${JSON.stringify(out)}`);
  return out;
}

beforeAll(async () => {
  moto = await leaseMoto();
  fake = await startAgentCoreFake();
  useEndpoint(moto.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE', fake.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL', fake.endpoint);
  sqs = new SQSClient({});
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fake.stop();
  await moto.release();
});

describe('the healthcheck handler end to end', () => {
  let handler: () => Promise<HealthCheckSummary>;

  beforeAll(async () => {
    // Whatever other blocks left in the fake (tests run in any order): this block's agent is the only one.
    fake.reset();
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
      summaryOf(
        healthCheck({}, lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs: 900_000 })),
      );
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
    // A role moto does not know: the permission probe cannot evaluate it (skipped), so the prompt alone decides.
    roleArn: `arn:aws:iam::123456789012:role/${name}-execution-role`,
  });
  const discoverAndCheck = () =>
    summaryOf(
      createHealthCheckHandler(
        healthCheckDeps(loadConfig({ ...process.env, AGENT_REGIONS: 'us-west-2', PROBE_TIMEOUT_SECONDS: '5' })),
      )({}, lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs: 900_000 })),
    );

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

describe('the hourly permission run and the daily prompt run', () => {
  // IAM is the local IAM fake here: it answers SimulatePrincipalPolicy as IAM does (moto does not implement it, and in
  // Lambda the simulator is the only way the probe runs), and records every call, so a write would show.
  const TIERS_TABLE = 'agentcore-guard-health-tiers';
  const output = captureOutput();
  const CODE_INTERPRETER_ACTIONS = [
    'bedrock-agentcore:StartCodeInterpreterSession',
    'bedrock-agentcore:InvokeCodeInterpreter',
    'bedrock-agentcore:StopCodeInterpreterSession',
  ];
  /** A runtime deployed the CDK way: its execution role has a generated name, no configured prefix. */
  const cdkRuntime = (name: string, tags?: Record<string, string>) => ({
    agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/${name}-AbCdE12345`,
    agentRuntimeId: `${name}-AbCdE12345`,
    agentRuntimeName: name,
    status: 'READY',
    roleArn: `arn:aws:iam::123456789012:role/MyStack-${name}RuntimeRole1A2B3C-XYZ`,
    ...(tags ? { tags } : {}),
  });
  let decision: 'allowed' | 'implicitDeny' = 'allowed';
  let iamFake: Awaited<ReturnType<typeof startFakeIam>>;
  let alertsQueue: string;
  let healthCheck: ReturnType<typeof createHealthCheckHandler>;
  const run = (input: unknown) =>
    healthCheck(input, lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs: 900_000 }));
  const hourly = () => summaryOf(run({ probes: 'permission' }));
  const daily = () => summaryOf(run({ probes: 'all' }));

  beforeAll(async () => {
    iamFake = await startFakeIam((action) =>
      action === 'SimulatePrincipalPolicy'
        ? [200, iamResult(action, simulation(decision))]
        : [403, iamError('AccessDenied', `not authorized to perform iam:${action}`)],
    );
    const infrastructure = await createAlertInfrastructure({
      table: TIERS_TABLE,
      topic: 'tier-alerts',
      queue: 'tier-alerts-copy',
    });
    alertsQueue = infrastructure.queueUrl;
    const config = loadConfig({
      ...process.env,
      AGENT_REGIONS: 'us-west-2',
      ALERT_STATE_TABLE: TIERS_TABLE,
      ALERT_TOPIC_ARN: infrastructure.topicArn,
      PROBE_TIMEOUT_SECONDS: '5',
    });
    healthCheck = createHealthCheckHandler({
      ...healthCheckDeps(config),
      iam: new IAMClient({ region: 'us-east-1', endpoint: iamFake.endpoint, maxAttempts: 1 }),
    });
  });
  afterAll(async () => iamFake.stop());
  beforeEach(async () => {
    fake.reset();
    iamFake.requests.length = 0;
    decision = 'allowed';
    fake.answer = ({ prompt }) => ({ body: JSON.stringify({ result: `digest: ${digestOfProbeToken(prompt)}` }) });
    await published(alertsQueue);
  });

  /** IAM's answer for the three actions an agent needs on the managed interpreter. */
  function simulation(evalDecision: string): string {
    const members = CODE_INTERPRETER_ACTIONS.map(
      (action) =>
        `<member><EvalActionName>${action}</EvalActionName><EvalDecision>${evalDecision}</EvalDecision>` +
        '<EvalResourceName>arn:aws:bedrock-agentcore:us-west-2:aws:code-interpreter/aws.codeinterpreter.v1</EvalResourceName>' +
        '<MatchedStatements/></member>',
    );
    return `<IsTruncated>false</IsTruncated><EvaluationResults>${members.join('')}</EvaluationResults>`;
  }

  it('spends no model tokens hourly, and alerts once on a CDK-style role that may not use the Code Interpreter, never writing to it', async () => {
    // Prepare
    const runtime = cdkRuntime('denied_agent');
    fake.runtimes.push(runtime);
    decision = 'implicitDeny';
    // Act
    const first = await hourly();
    const second = await hourly();
    const alerts = await published(alertsQueue);
    // Assess
    expect(first.agents).toEqual([
      { agentRuntimeArn: runtime.agentRuntimeArn, verdict: 'failing', reason: 'permission-denied', alert: 'published' },
    ]);
    expect(second.agents[0]?.alert).toBe('none');
    expect(fake.invocations).toHaveLength(0);
    expect(iamFake.requests).toEqual(['SimulatePrincipalPolicy', 'SimulatePrincipalPolicy']);
    expect(alerts.map((m) => m.Subject)).toEqual(['[agentcore-guard] FAILING: denied_agent (permission-denied)']);
    expect(JSON.parse(alerts[0]?.Message ?? '{}').content.nextSteps).toContainEqual(
      expect.stringContaining('npx agentcore-guard check --role MyStack-denied_agentRuntimeRole1A2B3C-XYZ'),
    );
  });

  it('announces nothing from an hourly run after the daily prompt found the agent failing, though its role is allowed', async () => {
    // Prepare: the daily run finds the agent answering without running code
    const runtime = cdkRuntime('pretending_agent');
    fake.runtimes.push(runtime);
    fake.answer = () => ({ events: streamed(SEED_BEFORE_WITH_PRODUCT) });
    const dailyRun = await daily();
    const alertsOfDailyRun = await published(alertsQueue);
    // Act
    const hourlyRun = await hourly();
    const alertsOfHourlyRun = await published(alertsQueue);
    // Assess
    expect(dailyRun.agents[0]).toMatchObject({ verdict: 'failing', reason: 'tool-not-executed', alert: 'published' });
    expect(alertsOfDailyRun).toHaveLength(1);
    expect(hourlyRun).toMatchObject({ probes: 'permission', checked: 1, undecided: 1, healthy: 0, failing: 0 });
    expect(hourlyRun.agents).toEqual([
      {
        agentRuntimeArn: runtime.agentRuntimeArn,
        verdict: 'undecided',
        promptSkipped: 'permission-only-run',
        permission: 'allowed',
      },
    ]);
    expect(alertsOfHourlyRun).toEqual([]);
    expect(fake.invocations).toHaveLength(1);
  });

  it('closes a permission-denied failure when the role is allowed again, saying no prompt has proved the agent yet', async () => {
    // Prepare
    const runtime = cdkRuntime('fixed_agent');
    fake.runtimes.push(runtime);
    decision = 'implicitDeny';
    await hourly();
    await published(alertsQueue);
    decision = 'allowed';
    // Act
    const summary = await hourly();
    const alerts = await published(alertsQueue);
    // Assess
    expect(summary.agents[0]).toMatchObject({ verdict: 'healthy', alert: 'published' });
    expect(alerts.map((m) => m.Subject)).toEqual(['[agentcore-guard] RECOVERED: fixed_agent']);
    const { content } = JSON.parse(alerts[0]?.Message ?? '{}');
    expect(content.title).toContain('fixed_agent recovered: the permission probe passes again');
    expect(content.description).toContain('No prompt was sent');
    expect(fake.invocations).toHaveLength(0);
  });

  it('never sends the prompt to a runtime tagged agentcore-guard:probe=off, but still probes its role, in the daily run', async () => {
    // Prepare
    const optedOut = cdkRuntime('quiet_agent', { 'agentcore-guard:probe': 'off', team: 'payments' });
    const probed = cdkRuntime('probed_agent', { 'agentcore-guard:probe': 'on' });
    fake.runtimes.push(optedOut, probed);
    // Act
    const summary = await daily();
    // Assess
    expect(summary.agents).toEqual([
      {
        agentRuntimeArn: optedOut.agentRuntimeArn,
        verdict: 'undecided',
        promptSkipped: 'opted-out',
        permission: 'allowed',
      },
      { agentRuntimeArn: probed.agentRuntimeArn, verdict: 'healthy', alert: 'none' },
    ]);
    expect(fake.invocations.map((call) => call.agentRuntimeArn)).toEqual([probed.agentRuntimeArn]);
    expect(iamFake.requests).toEqual(['SimulatePrincipalPolicy', 'SimulatePrincipalPolicy']);
  });

  it('sends no prompt to a runtime whose tags cannot be read, and logs why', async () => {
    // Prepare
    const runtime = cdkRuntime('unknown_tags_agent');
    fake.runtimes.push(runtime);
    fake.tagsFault = () => ({ status: 403, errorType: 'AccessDeniedException', message: 'not authorized' });
    // Act
    const summary = await daily();
    // Assess
    expect(summary.agents[0]).toMatchObject({ verdict: 'undecided', promptSkipped: 'tags-unreadable' });
    expect(fake.invocations).toHaveLength(0);
    expect(output.lines().filter((l) => l.message === 'runtime tags unreadable')).toEqual([
      expect.objectContaining({ agentRuntimeArn: runtime.agentRuntimeArn, error: 'not authorized' }),
    ]);
  });

  it('reads no tags in the hourly run', async () => {
    // Prepare
    fake.runtimes.push(cdkRuntime('hourly_agent'));
    // Act
    await hourly();
    // Assess
    expect(fake.tagReads).toEqual([]);
  });

  it('acknowledges an input it cannot read with one log line, and checks nothing', async () => {
    // Prepare
    fake.runtimes.push(cdkRuntime('untouched_agent'));
    // Act
    const outcome = await run({ probes: 'everything' });
    // Assess
    expect(outcome).toEqual({ status: 'rejected', reason: 'malformed' });
    expect(output.lines().filter((l) => l.message === 'event rejected')).toEqual([
      expect.objectContaining({ problem: '"probes" must be "permission" or "all", got "everything"' }),
    ]);
    expect([fake.invocations.length, iamFake.requests.length]).toEqual([0, 0]);
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
