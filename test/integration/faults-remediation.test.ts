import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  type IAMClient as IAMClientType,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemediateHandler, remediateDeps } from '../../handlers/remediate/index.js';
import { parseRoleArn } from '../../src/aws/arn.js';
import { loadConfig } from '../../src/config.js';
import { samePolicy } from '../../src/policy/canonical.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { buildPolicyDocument } from '../../src/policy/profiles.js';
import { AGENTCORE_TRUST_POLICY, createRoleEvent } from '../support/events.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { lambdaContext } from '../support/lambda.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
import { captureOutput } from '../support/output.js';

/**
 * 100 CreateRole events delivered to the real remediate handler through a proxy that fails 30 % of IAM requests
 * (throttling, 5xx, reset before forwarding, and "applied, then the answer lost"). Delivery mimics Lambda's
 * asynchronous invocation: a pool of containers (fresh module instances, each with its own IAM client), and a failed
 * invocation re-delivered up to twice; what still fails is kept in a dead-letter list, never dropped.
 */
const ROLE_COUNT = 100;
/** The shipped settings absorb every fault; fewer roles show that as well. */
const SHIPPED_ROLE_COUNT = 50;
const MAX_DELIVERIES = 3; // the first invocation and Lambda's two async retries
const CONTAINERS = 25; // Lambda scales out: each container handles a few events in turn
const PREFIX = 'AmazonBedrockAgentCoreSDKRuntime-';
const POLICY_NAME = 'CodeInterpreterAccess';
const FAULTS = { throttle: 0.1, serverError: 0.08, reset: 0.06, appliedThenReset: 0.06, latency: 0.2 };

type Handler = (event: unknown) => Promise<{ status: string }>;
interface Delivery {
  event: Record<string, unknown>;
  roleName: string;
  attempt: number;
}
interface DeadLetter {
  roleName: string;
  attempts: number;
  error: string;
}
interface DeliveryReport {
  outcomes: Map<string, string>;
  deadLetters: DeadLetter[];
  failedInvocations: number;
  /** Invocations that answered `remediated` while moto did not hold the desired policy. */
  falseRemediated: string[];
}

captureOutput();
let moto: MotoServer;
let proxy: FaultProxy;
let direct: IAMClientType;
const roleArns = new Map<string, string>();

function roleName(i: number): string {
  return `${PREFIX}us-east-1-${i.toString(16).padStart(10, '0')}`;
}

async function storedPolicyIsDesired(name: string): Promise<boolean> {
  const arn = roleArns.get(name);
  if (!arn) throw new Error(`unknown role ${name}`);
  try {
    const { PolicyDocument } = await direct.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: POLICY_NAME }));
    return (
      PolicyDocument !== undefined &&
      samePolicy(decodePolicyDocument(PolicyDocument), buildPolicyDocument('least-privilege', parseRoleArn(arn)))
    );
  } catch (error) {
    if (error instanceof Error && error.name.startsWith('NoSuchEntity')) return false;
    throw error;
  }
}

/** A Lambda container: the real handler with its own IAM client, built from the function's settings. */
function coldStart(settings: Record<string, string>): Handler {
  const remediate = createRemediateHandler(
    remediateDeps(
      loadConfig({
        AWS_REGION: 'us-east-1',
        ROLE_PREFIXES: PREFIX,
        POLICY_NAME,
        POLICY_PROFILE: 'least-privilege',
        ROLE_NOT_FOUND_RETRY_SECONDS: '1',
        ...settings,
      }),
    ),
  );
  return async (event) => (await remediate(event, lambdaContext())) as { status: string };
}

/** Lambda async invocation: each event up to MAX_DELIVERIES times, then onto the dead-letter list. */
async function deliver(events: Delivery[], settings: Record<string, string> = {}): Promise<DeliveryReport> {
  const queue = [...events];
  const report: DeliveryReport = { outcomes: new Map(), deadLetters: [], failedInvocations: 0, falseRemediated: [] };
  const containers: Handler[] = [];
  for (let i = 0; i < CONTAINERS; i++) containers.push(coldStart(settings));
  let inFlight = 0;
  const worker = async (handler: Handler) => {
    for (;;) {
      const next = queue.shift();
      if (!next) {
        if (inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      inFlight++;
      try {
        const outcome = await handler(next.event);
        report.outcomes.set(next.roleName, outcome.status);
        if (outcome.status === 'remediated' && !(await storedPolicyIsDesired(next.roleName))) {
          report.falseRemediated.push(next.roleName);
        }
      } catch (error) {
        report.failedInvocations++;
        if (next.attempt < MAX_DELIVERIES) queue.push({ ...next, attempt: next.attempt + 1 });
        else report.deadLetters.push({ roleName: next.roleName, attempts: next.attempt, error: String(error) });
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(containers.map(worker));
  return report;
}

/** Roles as the toolkit leaves them: created, with its own inline policy, without Code Interpreter access. */
async function createToolkitRoles(count = ROLE_COUNT): Promise<void> {
  roleArns.clear();
  for (let start = 0; start < count; start += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - start) }, async (_, k) => {
        const name = roleName(start + k);
        const { Role } = await direct.send(
          new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(AGENTCORE_TRUST_POLICY) }),
        );
        roleArns.set(name, Role?.Arn ?? '');
        await direct.send(
          new PutRolePolicyCommand({
            RoleName: name,
            PolicyName: `BedrockAgentCoreRuntimeExecutionPolicy-agent${start + k}`,
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }],
            }),
          }),
        );
      }),
    );
  }
}

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  direct = new IAMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
  proxy = await startFaultProxy({ target: moto.endpoint, seed: 20261126, rates: FAULTS });
  // Every container's IAM client sends through the fault proxy.
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
}, 120_000);

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await proxy?.stop();
  await moto?.release();
});

describe('remediation under 30 % injected IAM faults', () => {
  let first: DeliveryReport;
  let redrive: DeliveryReport;
  const compliantAfterFirst = new Set<string>();

  // Two SDK attempts per call instead of the shipped eight, so that some events really exhaust their retries.
  const fewAttempts = { IAM_MAX_ATTEMPTS: '2' };

  beforeAll(async () => {
    // Prepare: a fresh account with the toolkit's roles, whatever an earlier block (tests run in any order) left.
    await moto.reset();
    await createToolkitRoles();
    proxy.resetStats();
    const events = Array.from({ length: ROLE_COUNT }, (_, i) => {
      const name = roleName(i);
      return {
        event: createRoleEvent(name, { roleArn: roleArns.get(name) ?? '' }),
        roleName: name,
        attempt: 1,
      };
    });
    first = await deliver(events, fewAttempts);
    for (let i = 0; i < ROLE_COUNT; i++) {
      if (await storedPolicyIsDesired(roleName(i))) compliantAfterFirst.add(roleName(i));
    }
    // Redrive the dead-letter queue (as an operator, or the next sweep, would), still under faults.
    let pending = first.deadLetters;
    redrive = { outcomes: new Map(), deadLetters: [], failedInvocations: 0, falseRemediated: [] };
    for (let round = 0; round < 5 && pending.length > 0; round++) {
      const again = await deliver(
        pending.map((d) => ({
          event: createRoleEvent(d.roleName, { roleArn: roleArns.get(d.roleName) ?? '' }),
          roleName: d.roleName,
          attempt: 1,
        })),
        fewAttempts,
      );
      for (const [k, v] of again.outcomes) redrive.outcomes.set(k, v);
      redrive.falseRemediated.push(...again.falseRemediated);
      pending = again.deadLetters;
    }
    redrive.deadLetters = pending;
  }, 240_000);

  it('injects every kind of fault, including writes applied whose answer was lost', () => {
    // Assess
    const { injected, injectedByAction } = proxy.stats();
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected.serverError).toBeGreaterThan(0);
    expect(injected.reset).toBeGreaterThan(0);
    expect(injected.appliedThenReset).toBeGreaterThan(0);
    expect(injected.latency).toBeGreaterThan(0);
    expect(injectedByAction['PutRolePolicy:appliedThenReset']).toBeGreaterThan(0);
  });

  it('exercises both paths: events that succeed on a re-delivery, and events that exhaust all three deliveries', () => {
    // Assess
    expect(first.failedInvocations).toBeGreaterThan(first.deadLetters.length);
    expect(first.deadLetters.length).toBeGreaterThan(0);
    expect(first.deadLetters.every((d) => d.attempts === MAX_DELIVERIES)).toBe(true);
  });

  it('never reports remediated unless the policy is really stored', () => {
    // Assess
    expect(first.falseRemediated).toEqual([]);
    expect(redrive.falseRemediated).toEqual([]);
  });

  it('loses no event silently: each role is compliant or its event is in the dead-letter list', () => {
    // Prepare
    const dead = new Set(first.deadLetters.map((d) => d.roleName));
    // Act
    const lost = Array.from({ length: ROLE_COUNT }, (_, i) => roleName(i)).filter(
      (name) => !compliantAfterFirst.has(name) && !dead.has(name),
    );
    const deadAndNotCompliant = [...dead].filter((name) => !compliantAfterFirst.has(name));
    // Assess
    expect(lost).toEqual([]);
    expect(compliantAfterFirst.size + deadAndNotCompliant.length).toBe(ROLE_COUNT);
  });

  it('answers every successful invocation with remediated or compliant, one per role that did not dead-letter', () => {
    // Assess
    const statuses = new Set(first.outcomes.values());
    expect([...statuses].every((s) => s === 'remediated' || s === 'compliant')).toBe(true);
    expect(first.outcomes.size + first.deadLetters.length).toBe(ROLE_COUNT);
  });

  it('answers compliant only for roles whose write an earlier, failed invocation had already applied', () => {
    // Prepare: every role started without our policy, so each success needs a PutRolePolicy that reached moto.
    const outcomes = [...first.outcomes.values(), ...redrive.outcomes.values()];
    const remediated = outcomes.filter((s) => s === 'remediated').length;
    const compliant = outcomes.filter((s) => s === 'compliant').length;
    // Assess
    expect(proxy.stats().forwarded.PutRolePolicy ?? 0).toBeGreaterThanOrEqual(remediated + compliant);
  });

  it('ends with every role compliant once the dead-letter queue is redriven', async () => {
    // Act
    const results = await Promise.all(Array.from({ length: ROLE_COUNT }, (_, i) => storedPolicyIsDesired(roleName(i))));
    // Assess
    expect(redrive.deadLetters).toEqual([]);
    expect(results.filter((ok) => !ok)).toHaveLength(0);
  });
});

describe('remediation with the shipped retry settings under 30 % injected IAM faults', () => {
  let report: DeliveryReport;

  beforeAll(async () => {
    // Prepare: a fresh account with 50 such roles, and the shipped IAM_MAX_ATTEMPTS (8, adaptive retries).
    await moto.reset();
    await createToolkitRoles(SHIPPED_ROLE_COUNT);
    proxy.resetStats();
    // Act
    report = await deliver(
      Array.from({ length: SHIPPED_ROLE_COUNT }, (_, i) => ({
        event: createRoleEvent(roleName(i), { roleArn: roleArns.get(roleName(i)) ?? '' }),
        roleName: roleName(i),
        attempt: 1,
      })),
    );
  }, 240_000);

  it('absorbs the faults: every event succeeds within its deliveries, none reaches the dead-letter list', async () => {
    // Assess
    const compliant = await Promise.all(
      Array.from({ length: SHIPPED_ROLE_COUNT }, (_, i) => storedPolicyIsDesired(roleName(i))),
    );
    expect(proxy.stats().injected.throttle).toBeGreaterThan(0);
    expect(report.deadLetters).toEqual([]);
    expect(report.falseRemediated).toEqual([]);
    expect(compliant.filter((ok) => !ok)).toHaveLength(0);
  });
});
