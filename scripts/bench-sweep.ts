/**
 * npm run bench:sweep — the reconcile sweep against a moto it starts itself.
 * 2,000 roles, 1,000 with the AgentCore prefix (each with a toolkit-like inline policy), half of those already
 * compliant. Measures the concurrent sweep (default concurrency) and a sequential one (concurrency 1) in the same
 * run, resetting and recreating the account before each, and prints medians over BENCH_RUNS rounds (default 3).
 * BENCH_LATENCY_MS (default 0) adds that much delay to every IAM request, standing in for the network round trip
 * to the real IAM endpoint: on a local emulator the emulator's own CPU, not latency, bounds the sweep.
 */
import { type IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../src/aws/arn.js';
import { createIamClient } from '../src/aws/clients.js';
import { loadConfig } from '../src/config.js';
import { leastPrivilegePolicy } from '../src/policy/profiles.js';
import { type SweepSummary, sweepRoles } from '../src/remediation/sweep.js';
import { LIST_ROLES_PAGE_SIZE } from '../src/roles/listing.js';
import { DEFAULTS } from '../src/settings.js';
import { createRoles } from '../test/support/iam-fixtures.js';
import { leaseMoto, useEndpoint } from '../test/support/moto.js';

const TOTAL_ROLES = 2_000;
const MATCHING = 1_000;
const COMPLIANT = 500;
const OTHER_INLINE_PER_ROLE = 1;
const PREFIX = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-';
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const LATENCY_MS = Math.max(0, Number(process.env.BENCH_LATENCY_MS ?? 0));

const toolkitPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ECRImageAccess',
      Effect: 'Allow',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: '*',
    },
    { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
});

/** Counts each IAM operation the client sends (once per call, retries not included). */
function countCalls(iam: IAMClient): Map<string, number> {
  const counts = new Map<string, number>();
  iam.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return counts;
}

/** Delays every request by `ms`, as a network round trip would. */
function addLatency(iam: IAMClient, ms: number): void {
  if (ms <= 0) return;
  iam.middlewareStack.add(
    (next) => async (args) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchLatency' },
  );
}

async function seedAccount(iam: IAMClient): Promise<void> {
  const matching = Array.from({ length: MATCHING }, (_, i) => `${PREFIX}${String(i).padStart(10, '0')}`);
  const others = Array.from({ length: TOTAL_ROLES - MATCHING }, (_, i) => `service-role-${i}`);
  await createRoles(iam, [...matching, ...others], 32);
  let next = 0;
  const putWorker = async () => {
    while (next < matching.length) {
      const i = next++;
      const roleName = matching[i] as string;
      await iam.send(
        new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'Toolkit', PolicyDocument: toolkitPolicy }),
      );
      if (i < COMPLIANT) {
        const ours = leastPrivilegePolicy(parseRoleArn(`arn:aws:iam::123456789012:role/${roleName}`));
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: 'CodeInterpreterAccess',
            PolicyDocument: JSON.stringify(ours),
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 32 }, putWorker));
}

interface Measured {
  wallMs: number;
  calls: Map<string, number>;
  summary: SweepSummary;
  peakRssMiB: number;
  peakHeapMiB: number;
}

async function measureSweep(concurrency: number): Promise<Measured> {
  const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 8 });
  const calls = countCalls(iam);
  addLatency(iam, LATENCY_MS);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 10);
  const started = performance.now();
  const summary = await sweepRoles({ iam, settings: loadConfig({ ROLE_PREFIXES: PREFIX }), concurrency });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  sample();
  iam.destroy();
  return { wallMs, calls, summary, peakRssMiB: peakRss / 2 ** 20, peakHeapMiB: peakHeap / 2 ** 20 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main() {
  const moto = await leaseMoto();
  try {
    useEndpoint(moto.endpoint);
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const seeder = createIamClient({ region: 'us-east-1', iamMaxAttempts: 8 });
    const results: Record<'concurrent' | 'sequential', Measured[]> = { concurrent: [], sequential: [] };
    for (let round = 1; round <= RUNS; round++) {
      for (const mode of ['concurrent', 'sequential'] as const) {
        await moto.reset();
        const seedStart = performance.now();
        await seedAccount(seeder);
        const seedMs = performance.now() - seedStart;
        const measured = await measureSweep(mode === 'concurrent' ? DEFAULTS.sweepConcurrency : 1);
        results[mode].push(measured);
        const { counts, failed } = measured.summary;
        console.log(
          `round ${round} ${mode.padEnd(10)} wall ${(measured.wallMs / 1000).toFixed(2)} s ` +
            `(seeding took ${(seedMs / 1000).toFixed(1)} s) compliant=${counts.compliant} remediated=${counts.remediated} failed=${failed}`,
        );
      }
    }

    const nonCompliant = MATCHING - COMPLIANT;
    const listPages = Math.ceil(TOTAL_ROLES / LIST_ROLES_PAGE_SIZE);
    const expected: Record<string, number> = {
      ListRoles: listPages,
      GetRolePolicy: MATCHING + nonCompliant * OTHER_INLINE_PER_ROLE,
      GetRole: nonCompliant,
      ListRolePolicies: nonCompliant,
      PutRolePolicy: nonCompliant,
    };
    const minimum = Object.values(expected).reduce((a, b) => a + b, 0);
    const last = results.concurrent.at(-1) as Measured;
    const measuredTotal = [...last.calls.values()].reduce((a, b) => a + b, 0);

    const concurrentMs = median(results.concurrent.map((r) => r.wallMs));
    const sequentialMs = median(results.sequential.map((r) => r.wallMs));
    console.log('');
    console.log(
      `Sweep benchmark: ${TOTAL_ROLES} roles, ${MATCHING} matching, ${COMPLIANT} already compliant; moto; median of ${RUNS} round(s)`,
    );
    console.log(
      `  concurrent (concurrency ${DEFAULTS.sweepConcurrency}) wall time: ${(concurrentMs / 1000).toFixed(2)} s`,
    );
    console.log(`  sequential (concurrency 1) wall time: ${(sequentialMs / 1000).toFixed(2)} s`);
    console.log(
      `  concurrent / sequential: ${(concurrentMs / sequentialMs).toFixed(2)} (speed-up ${(sequentialMs / concurrentMs).toFixed(2)}x)`,
    );
    console.log(
      `  peak memory (concurrent): RSS ${median(results.concurrent.map((r) => r.peakRssMiB)).toFixed(0)} MiB, ` +
        `heap ${median(results.concurrent.map((r) => r.peakHeapMiB)).toFixed(0)} MiB; ` +
        `process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
    console.log('');
    console.log('  IAM calls by operation (last concurrent round) vs the minimum the design allows:');
    for (const op of Object.keys(expected)) {
      console.log(
        `    ${op.padEnd(17)} measured ${String(last.calls.get(op) ?? 0).padStart(5)}   minimum ${String(expected[op]).padStart(5)}`,
      );
    }
    for (const [op, n] of last.calls)
      if (!(op in expected)) console.log(`    ${op.padEnd(17)} measured ${String(n).padStart(5)}   minimum     0`);
    console.log(
      `    ${'total'.padEnd(17)} measured ${String(measuredTotal).padStart(5)}   minimum ${String(minimum).padStart(5)}`,
    );
    console.log('');
    console.log(
      '  minimum = list pages ⌈roles/1000⌉ + 1 GetRolePolicy per matching role + per non-compliant role ' +
        '(GetRole + ListRolePolicies + 1 GetRolePolicy per other inline policy + PutRolePolicy)',
    );
    console.log(
      `          = ${listPages} + ${MATCHING} + ${nonCompliant} × (1 + 1 + ${OTHER_INLINE_PER_ROLE} + 1) = ${minimum}`,
    );
    // The issue's own floor counts no reads before a write. ensureCodeInterpreterPolicy must read the exclusion tag
    // (and wait out IAM's consistency: GetRole) and the other inline policies' sizes before it writes, so a
    // non-compliant role costs those reads too; a compliant one costs exactly the one read the floor allows.
    const floor = listPages + MATCHING + nonCompliant;
    console.log(
      `  without the pre-write checks (list pages + 1 read per matching role + 1 write per non-compliant role): ` +
        `${listPages} + ${MATCHING} + ${nonCompliant} = ${floor}; the difference, ${minimum - floor}, is ` +
        `the exclusion-tag and inline-size reads issue 2 requires before every write.`,
    );
    if (measuredTotal !== minimum) process.exitCode = 1;
  } finally {
    await moto.release();
  }
}

await main();
