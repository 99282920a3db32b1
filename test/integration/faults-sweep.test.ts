import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconcileHandler, reconcileDeps } from '../../handlers/reconcile/index.js';
import { parseRoleArn } from '../../src/aws/arn.js';
import { createIamClient } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/config.js';
import { samePolicy } from '../../src/policy/canonical.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { buildPolicyDocument } from '../../src/policy/profiles.js';
import type { RemediationStatus } from '../../src/remediation/outcome.js';
import { type SweepSummary, sweepRoles } from '../../src/remediation/sweep.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createRoles } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
import { captureOutput } from '../support/output.js';

/**
 * The reconcile sweep over 150 roles through a proxy that fails 30 % of the per-role IAM requests (5xx, resets
 * before forwarding, and writes applied whose answer is lost). Throttling is left to the remediation and time fault
 * tests: under throttling the adaptive client slows a sweep down many times over, which is the sweep's tuning, not
 * something to wait for in every test run.
 *
 * What this shows about the shipped client (8 attempts, adaptive): one sweep shares one IAM client, and the SDK's
 * retry quota (500 tokens, 14 per retry of a transient error, 1 back per success) runs dry under sustained 30 %
 * faults, after which errors are no longer retried; so roughly half the roles fail in such a sweep. They are counted
 * and reported, and the next sweeps fix them.
 */
const ROLE_COUNT = 150;
const PREFIX = 'AmazonBedrockAgentCoreSDKRuntime-';
const POLICY_NAME = 'CodeInterpreterAccess';
const FAULTS = { serverError: 0.1, reset: 0.1, appliedThenReset: 0.1, latency: 0.1 };
const ROLE_CALLS = ['GetRolePolicy', 'GetRole', 'ListRolePolicies', 'PutRolePolicy'];

let moto: MotoServer;
let proxy: FaultProxy;
let direct: IAMClient;
const names = Array.from({ length: ROLE_COUNT }, (_, i) => `${PREFIX}us-east-1-${i.toString(16).padStart(10, '0')}`);

const settings = (extra: Record<string, string> = {}) =>
  loadConfig({ ROLE_PREFIXES: PREFIX, POLICY_NAME, AWS_REGION: 'us-east-1', ...extra });

/** The reconcile function as deployed: its IAM client is built now, so it sends through the proxy. */
const reconcileHandler = (extra: Record<string, string> = {}) => createReconcileHandler(reconcileDeps(settings(extra)));

async function isCompliant(roleName: string): Promise<boolean> {
  try {
    const { PolicyDocument } = await direct.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME }),
    );
    const desired = buildPolicyDocument('least-privilege', parseRoleArn(`arn:aws:iam::123456789012:role/${roleName}`));
    return PolicyDocument !== undefined && samePolicy(decodePolicyDocument(PolicyDocument), desired);
  } catch (error) {
    if (error instanceof Error && error.name.startsWith('NoSuchEntity')) return false;
    throw error;
  }
}

const compliantRoles = async () => {
  const flags = await Promise.all(names.map(isCompliant));
  return new Set(names.filter((_, i) => flags[i]));
};

/** An account of toolkit roles without our policy, whatever an earlier block (tests run in any order) left. */
async function freshAccount(): Promise<void> {
  await moto.reset();
  await createRoles(direct, names, 24);
  let next = 0;
  const toolkitPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }],
  });
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < names.length) {
        const roleName = names[next++] as string;
        await direct.send(
          new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'Toolkit', PolicyDocument: toolkitPolicy }),
        );
      }
    }),
  );
}

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  direct = new IAMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
  proxy = await startFaultProxy({ target: moto.endpoint, seed: 500 });
  // Clients built after this point (the sweep's, the handler's) go through the proxy.
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
}, 120_000);

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await proxy?.stop();
  await moto?.release();
});

// A sweep of every role against the emulator: well under a minute idle, several times that on a busy machine.
const SWEEP_TIMEOUT_MS = 240_000;

describe(`reconcile sweep of ${ROLE_COUNT} roles under 30 % injected IAM faults`, () => {
  let first: SweepSummary;
  const outcomes = new Map<string, RemediationStatus>();
  let compliantAfterFirst: Set<string>;

  beforeAll(async () => {
    await freshAccount();
    // Faults on the per-role calls; the shipped retry settings.
    proxy.setRates(FAULTS, ROLE_CALLS);
    const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: settings().iamMaxAttempts });
    first = await sweepRoles({
      iam,
      settings: settings(),
      onProgress: (p) => {
        if (p.kind === 'outcome') outcomes.set(p.outcome.roleName, p.outcome.status);
      },
    });
    compliantAfterFirst = await compliantRoles();
  }, SWEEP_TIMEOUT_MS);

  it('counts and names every role that failed, and accounts for every role', () => {
    // Assess
    const counted = Object.values(first.counts).reduce((a, b) => a + b, 0);
    expect(first.matched).toBe(ROLE_COUNT);
    expect(first.failed).toBeGreaterThan(0);
    expect(first.failures).toHaveLength(first.failed);
    expect(new Set(first.failures.map((f) => f.roleName)).size).toBe(first.failed);
    expect(counted + first.failed).toBe(ROLE_COUNT);
    expect(first.failures.every((f) => f.error.length > 0)).toBe(true);
  });

  it('leaves no role silently behind: a role that is not compliant is among the failures', () => {
    // Assess
    const failed = new Set(first.failures.map((f) => f.roleName));
    expect(names.filter((n) => !compliantAfterFirst.has(n) && !failed.has(n))).toEqual([]);
  });

  it('reports a role remediated or compliant only when its policy is really stored', () => {
    // Assess
    const claimed = [...outcomes].filter(([, s]) => s === 'remediated' || s === 'compliant').map(([n]) => n);
    expect(claimed.length).toBeGreaterThan(0);
    expect(claimed.filter((n) => !compliantAfterFirst.has(n))).toEqual([]);
  });

  it(
    'fixes more roles with each further sweep while the faults go on',
    async () => {
      // Prepare: faults on every call now, ListRoles included.
      proxy.setRates(FAULTS);
      const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: settings().iamMaxAttempts });
      // Act
      const again = await sweepRoles({ iam, settings: settings() });
      const compliant = await compliantRoles();
      // Assess
      expect(compliant.size).toBeGreaterThan(compliantAfterFirst.size);
      expect([...compliantAfterFirst].filter((n) => !compliant.has(n))).toEqual([]);
      expect(again.failed).toBe(ROLE_COUNT - Object.values(again.counts).reduce((a, b) => a + b, 0));
    },
    SWEEP_TIMEOUT_MS,
  );

  it(
    'converges once the faults stop: the next sweep leaves every role compliant and fails none',
    async () => {
      // Prepare
      proxy.setRates({});
      const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: settings().iamMaxAttempts });
      // Act
      const last = await sweepRoles({ iam, settings: settings() });
      const compliant = await compliantRoles();
      // Assess
      expect(last.failed).toBe(0);
      expect(last.counts.remediated + last.counts.compliant).toBe(ROLE_COUNT);
      expect(last.counts.compliant).toBeGreaterThanOrEqual(compliantAfterFirst.size);
      expect(compliant.size).toBe(ROLE_COUNT);
    },
    SWEEP_TIMEOUT_MS,
  );
});

describe('the reconcile handler under faults', () => {
  captureOutput();
  beforeAll(freshAccount, 120_000);

  it('fails the run with the number of failed roles when faults outlast the retries', async () => {
    // Prepare: a role left without our policy, and IAM failing every read of it.
    await direct.send(
      new PutRolePolicyCommand({
        RoleName: names[0] as string,
        PolicyName: POLICY_NAME,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'x:Y', Resource: '*' }],
        }),
      }),
    );
    proxy.setRates({ serverError: 1 }, ['GetRolePolicy']);
    const handler = reconcileHandler({ IAM_MAX_ATTEMPTS: '2' });
    // Act
    const run = handler({}, lambdaContext({ remainingMs: 900_000 }));
    // Assess
    await expect(run).rejects.toThrow(new RegExp(`${ROLE_COUNT} of ${ROLE_COUNT} roles could not be checked`));
  });

  it('succeeds on the next run once IAM answers, and fixes what the failed run could not', async () => {
    // Prepare
    proxy.setRates({});
    const handler = reconcileHandler();
    // Act
    const summary = await handler({}, lambdaContext({ remainingMs: 900_000 }));
    // Assess
    expect(summary.failed).toBe(0);
    expect(await isCompliant(names[0] as string)).toBe(true);
  });
});
