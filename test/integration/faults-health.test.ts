import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createHealthCheckHandler,
  type HealthCheckRejected,
  type HealthCheckSummary,
  healthCheckDeps,
} from '../../handlers/healthcheck/index.js';
import { readAlertState } from '../../src/alerts/state.js';
import { loadConfig } from '../../src/config.js';
import { AlertDeliveryError } from '../../src/health/run.js';
import { type AgentCoreFake, digestOfProbeToken, startAgentCoreFake } from '../support/agentcore-fake.js';
import { ALERT_PUBLISH_FAILED, createAlertInfrastructure, emittedMetrics } from '../support/alert-fixtures.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createCompliantToolkitRole } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
import { captureOutput } from '../support/output.js';

/**
 * The real healthcheck handler, end to end, with its failure paths forced: an agent that never answers (the local
 * AgentCore fake holds the stream open), and SNS failing behind the fault proxy (only SNS is routed through it, with
 * the SDK's service-specific AWS_ENDPOINT_URL_SNS). moto serves DynamoDB, SNS, SQS and IAM.
 */
const TABLE = 'agentcore-guard-health-faults';
const ARN = 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/silent_agent-AbCdE12345';
const ROLE_NAME = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-5151515151';
const ROLE = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;
const PROBE_TIMEOUT_SECONDS = 2;

const output = captureOutput();
let moto: MotoServer;
let fake: AgentCoreFake;
let proxy: FaultProxy;
let sqs: SQSClient;
let ddb: DynamoDBClient;
let queueUrl: string;
let handler: () => Promise<HealthCheckSummary>;
let handlerFor: (agentRuntimeArns: string[]) => () => Promise<HealthCheckSummary>;

/** The run's summary; an input the handler rejected fails the test. */
async function summaryOf(run: Promise<HealthCheckSummary | HealthCheckRejected>): Promise<HealthCheckSummary> {
  const out = await run;
  if (!('probes' in out)) throw new Error(`the health check rejected its input: ${JSON.stringify(out)}`);
  return out;
}

async function delivered(): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return Messages.map((m) => (JSON.parse(m.Body ?? '{}') as { Subject?: string }).Subject ?? '');
}

beforeAll(async () => {
  moto = await leaseMoto();
  fake = await startAgentCoreFake();
  useEndpoint(moto.endpoint);
  proxy = await startFaultProxy({ target: moto.endpoint, seed: 44 });
  sqs = new SQSClient({});
  ddb = new DynamoDBClient({});
  const infrastructure = await createAlertInfrastructure({ table: TABLE });
  queueUrl = infrastructure.queueUrl;
  // The agent's role can use the Code Interpreter, so the permission probe passes and the prompt decides.
  const iam = new IAMClient({});
  await createCompliantToolkitRole(iam, ROLE_NAME);
  fake.runtimes.push({
    agentRuntimeArn: ARN,
    agentRuntimeId: 'silent_agent-AbCdE12345',
    agentRuntimeName: 'silent_agent',
    status: 'READY',
    roleArn: ROLE,
  });
  vi.stubEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE', fake.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL', fake.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_SNS', proxy.endpoint);
  handlerFor = (agentRuntimeArns) => {
    const healthCheck = createHealthCheckHandler(
      healthCheckDeps(
        loadConfig({
          ...process.env,
          AGENT_RUNTIME_ARNS: agentRuntimeArns.join(','),
          ALERT_STATE_TABLE: TABLE,
          ALERT_TOPIC_ARN: infrastructure.topicArn,
          PROBE_TIMEOUT_SECONDS: String(PROBE_TIMEOUT_SECONDS),
          // moto answers SimulatePrincipalPolicy with HTTP 500 (not implemented): fall back to local evaluation at once.
          IAM_MAX_ATTEMPTS: '1',
        }),
      ),
    );
    return () =>
      summaryOf(
        healthCheck({}, lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs: 900_000 })),
      );
  };
  handler = handlerFor([ARN]);
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.stop();
  await fake?.stop();
  await moto?.release();
});

const hangs: AgentCoreFake['answer'] = () => ({ hang: true, contentType: 'text/event-stream' });
// The agent really runs the proof program.
const runsTheProof: AgentCoreFake['answer'] = ({ prompt }) => ({
  body: JSON.stringify({ result: `digest: ${digestOfProbeToken(prompt)}` }),
});

/** One fault-free run with the agent answering as given, so that each test starts from the alert state it needs. */
async function settleAgent(answer: AgentCoreFake['answer']): Promise<void> {
  fake.answer = answer;
  await handler();
  await delivered();
  proxy.resetStats();
}

beforeEach(() => {
  proxy.setRates({});
  proxy.resetStats();
});

describe('health check with an agent that never answers', () => {
  it('gives the verdict timeout within the configured bound, and alerts', async () => {
    // Prepare
    await settleAgent(runsTheProof);
    fake.answer = hangs;
    const started = performance.now();
    // Act
    const summary = await handler();
    const elapsedMs = performance.now() - started;
    // Assess
    expect(summary.agents).toEqual([
      { agentRuntimeArn: ARN, verdict: 'failing', reason: 'timeout', alert: 'published' },
    ]);
    expect(elapsedMs).toBeGreaterThanOrEqual(PROBE_TIMEOUT_SECONDS * 1000 - 50);
    // The rest of the run (permission probe, state, SNS) on a loaded 2-core CI machine: a few seconds at most.
    expect(elapsedMs).toBeLessThan(PROBE_TIMEOUT_SECONDS * 1000 + 5_000);
    expect(await delivered()).toEqual(['[agentcore-guard] FAILING: silent_agent (timeout)']);
  });
});

describe('health check when SNS cannot publish', () => {
  it('fails the run with AlertDeliveryError and counts AlertPublishFailed, without advancing the alert state', async () => {
    // Prepare: the agent was failing and recovers, so a RECOVERED alert is due; SNS answers 5xx to every attempt.
    await settleAgent(hangs);
    fake.answer = runsTheProof;
    const before = await readAlertState(ddb, TABLE, ARN);
    proxy.setRates({ serverError: 1 }, ['Publish']);
    // Act
    const refused = await handler().catch((error: unknown) => error);
    const stateAfterRefusal = await readAlertState(ddb, TABLE, ARN);
    const deliveredWhileDown = await delivered();
    // Assess
    expect(proxy.stats().injected.serverError).toBeGreaterThan(0);
    expect(refused).toBeInstanceOf(AlertDeliveryError);
    expect((refused as AlertDeliveryError).undelivered).toEqual([
      { agentRuntimeArn: ARN, problem: expect.stringContaining('SNS refused the recovered alert') },
    ]);
    expect((refused as Error).message).toMatch(/next run sends these alerts again.*Check the alerts topic/);
    expect(emittedMetrics(output.lines()).filter((m) => m.metricName === ALERT_PUBLISH_FAILED.metricName)).toEqual([
      { ...ALERT_PUBLISH_FAILED, value: 1 },
    ]);
    expect(stateAfterRefusal?.status).toBe(before?.status);
    expect(stateAfterRefusal?.lastAlertAt).toBe(before?.lastAlertAt);
    expect(deliveredWhileDown).toEqual([]);
  });

  it('sends the alert it could not deliver on the next run', async () => {
    // Prepare: as above, one run with SNS refusing every Publish
    await settleAgent(hangs);
    fake.answer = runsTheProof;
    proxy.setRates({ serverError: 1 }, ['Publish']);
    await handler().catch(() => undefined);
    proxy.setRates({});
    // Act
    const next = await handler();
    // Assess
    expect(next.agents[0]?.alert).toBe('published');
    expect(await delivered()).toEqual(['[agentcore-guard] RECOVERED: silent_agent']);
  });

  it('checks every agent before failing, and names each alert it could not deliver', async () => {
    // Prepare: two agents seen for the first time, both answering wrongly, so both alerts are due
    const others = ['first_agent', 'second_agent'].map((name) => {
      const agentRuntimeArn = ARN.replace('silent_agent', name);
      fake.runtimes.push({
        agentRuntimeArn,
        agentRuntimeId: `${name}-AbCdE12345`,
        agentRuntimeName: name,
        status: 'READY',
        roleArn: ROLE,
      });
      return agentRuntimeArn;
    });
    fake.answer = () => ({ body: JSON.stringify({ result: 'I think the digest is 42.' }) });
    proxy.setRates({ serverError: 1 }, ['Publish']);
    // Act
    const refused = await handlerFor(others)().catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(AlertDeliveryError);
    expect((refused as AlertDeliveryError).undelivered.map((u) => u.agentRuntimeArn).sort()).toEqual(others.sort());
    expect(output.lines().filter((l) => l.message === 'agent checked')).toHaveLength(2);
    expect(emittedMetrics(output.lines()).filter((m) => m.metricName === ALERT_PUBLISH_FAILED.metricName)).toEqual([
      // One data point per agent in the line (EMF's list of values): a Sum of 2.
      { ...ALERT_PUBLISH_FAILED, value: [1, 1] },
    ]);
  });

  it('sends an alert again when SNS applied the Publish but its answer was lost: at least once, never zero', async () => {
    // Prepare: the agent was healthy and stops answering, so a FAILING alert is due; SNS applies each Publish, then
    // the answer is lost on the way back.
    await settleAgent(runsTheProof);
    fake.answer = hangs;
    proxy.setRates({ appliedThenReset: 1 }, ['Publish']);
    // Act
    const lost = await handler().catch((error: unknown) => error);
    const deliveredWhenLost = await delivered();
    proxy.setRates({});
    const next = await handler();
    const deliveredAfter = await delivered();
    // Assess
    expect(lost).toBeInstanceOf(AlertDeliveryError);
    expect(deliveredWhenLost.length).toBeGreaterThanOrEqual(1);
    expect(next.agents[0]?.alert).toBe('published');
    expect(deliveredAfter).toEqual(['[agentcore-guard] FAILING: silent_agent (timeout)']);
  });
});
