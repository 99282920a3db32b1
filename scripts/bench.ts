/**
 * `npm run bench`: one table of what the deployed functions cost, measured in one run on this machine.
 * - per function: zipped artifact and minified JS sizes, from `serverless package` into a temporary directory;
 * - per function: whole-process start (median of fresh Node processes that import the bundled handler, which builds
 *   its clients at import) next to a bare `node -e 0` measured in the same rounds, and their ratio;
 * - remediation: AWS calls per event for a new role and for a compliant one, counted at a loopback proxy in front of
 *   moto while the bundled handler runs, beside the minimum the design allows;
 * - the sweep's figures from `npm run bench:sweep`, when that script exists.
 * Numbers are printed, never asserted; size budgets are enforced by scripts/check-budgets.ts.
 * BENCH_ROUNDS (default 21) sets the number of process starts; BENCH_SKIP_SWEEP=1 leaves out bench:sweep (~2 min);
 * BENCH_NODE names the node binary for the process starts (bare and handlers alike), e.g. a Node 22 like Lambda's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IAMClient } from '@aws-sdk/client-iam';
import { build } from 'esbuild';
import { createRoleEvent } from '../test/support/events.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { createToolkitRole } from '../test/support/iam-fixtures.js';
import { lambdaContext } from '../test/support/lambda.js';
import { leaseMoto, MOTO_MISSING_MESSAGE, motoAvailable } from '../test/support/moto.js';
import { budgetFor, type FunctionArtifact, kb, packageService, readArtifacts } from './lib/artifacts.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
/** The remediate handler's start, at most this many times the IAM client's alone (issue 12). */
const START_TARGET_OVER_IAM_CLIENT = 1.1;
const START_NODE = process.env.BENCH_NODE || process.execPath;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Environment a Lambda function sees: its own variables, the role's keys, no profile, Node 22 (no SDK warning). */
function lambdaEnv(fn: FunctionArtifact): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...fn.environment,
    AWS_LAMBDA_FUNCTION_NAME: `agentcore-guard-bench-${fn.name}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

interface Unpacked {
  fn: FunctionArtifact;
  dir: string;
  /** Absolute path of the handler's module file inside the unpacked artifact. */
  modulePath: string;
  runner: string;
}

function unpack(fn: FunctionArtifact, root: string): Unpacked {
  const dir = join(root, fn.name);
  mkdirSync(dir, { recursive: true });
  const result = spawnSync('unzip', ['-q', '-o', fn.zipPath, '-d', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`unzip ${fn.zipPath} failed: ${result.stderr}`);
  const base = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
  const candidates = ['.mjs', '.js', '.cjs'].map((ext) => join(dir, base + ext));
  const modulePath = candidates.find((p) => spawnSync('test', ['-f', p]).status === 0);
  if (!modulePath) throw new Error(`handler module ${base}.{mjs,js,cjs} not found in ${fn.zipPath}`);
  const exportName = fn.handler.slice(fn.handler.lastIndexOf('.') + 1);
  // What a cold start does before the first event is handled: Lambda's init imports the module, and the first
  // invocation builds the handler's default dependencies (settings and clients), exported as `<name>Deps`.
  const runner = join(dir, '__bench_start.mjs');
  writeFileSync(
    runner,
    `const t0 = performance.now();\n` +
      `const m = await import(${JSON.stringify(pathToFileURL(modulePath).href)});\n` +
      `if (typeof m[${JSON.stringify(exportName)}] !== 'function') throw new Error('no ${exportName} export');\n` +
      `const deps = Object.entries(m).find(([k, v]) => k.endsWith('Deps') && typeof v === 'function');\n` +
      `if (!deps) throw new Error('no <name>Deps export');\n` +
      `deps[1]();\n` +
      `process.stdout.write(String(performance.now() - t0));\n`,
  );
  return { fn, dir, modulePath, runner };
}

/** esbuild options of the packaged service (custom.esbuild), without serverless-esbuild's own keys. */
const PLUGIN_ONLY_KEYS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'external',
  'plugins',
  'config',
]);

/**
 * The floor the handlers stand on: a module that only builds an IAM client, bundled with the very same esbuild
 * settings as the functions. Its start next to the handlers' shows what our own code and libraries add.
 */
async function referenceIamClient(packageDir: string, root: string): Promise<Unpacked> {
  const state = JSON.parse(readFileSync(join(packageDir, 'serverless-state.json'), 'utf8')) as {
    service: { custom?: { esbuild?: Record<string, unknown> } };
  };
  const options = Object.fromEntries(
    Object.entries(state.service.custom?.esbuild ?? {}).filter(([k]) => !PLUGIN_ONLY_KEYS.has(k)),
  );
  const dir = join(root, 'reference-iam-client');
  mkdirSync(dir, { recursive: true });
  const modulePath = join(dir, 'iam-client.mjs');
  await build({
    ...options,
    bundle: true,
    stdin: {
      contents:
        "import { IAMClient } from '@aws-sdk/client-iam';\n" +
        "export const iam = new IAMClient({ region: process.env.AWS_REGION, maxAttempts: 8, retryMode: 'adaptive' });\n" +
        'export const handler = async () => iam;\n',
      resolveDir: process.cwd(),
      loader: 'js',
    },
    absWorkingDir: process.cwd(),
    outfile: modulePath,
    // One entry point has nothing to share between chunks; esbuild only splits into an outdir.
    splitting: false,
    sourcemap: false,
    logLevel: 'warning',
  });
  const fn: FunctionArtifact = {
    name: 'IAM client alone',
    handler: 'iam-client.handler',
    zipPath: '',
    zipBytes: 0,
    jsBytes: 0,
    jsZippedBytes: 0,
    mapBytes: 0,
    environment: {},
  };
  const runner = join(dir, '__bench_start.mjs');
  writeFileSync(
    runner,
    `const t0 = performance.now();\nawait import(${JSON.stringify(pathToFileURL(modulePath).href)});\n` +
      'process.stdout.write(String(performance.now() - t0));\n',
  );
  return { fn, dir, modulePath, runner };
}

interface StartFigures {
  wallMs: number;
  importMs: number;
  error?: string;
}

function startNodeVersion(): string {
  const r = spawnSync(START_NODE, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`BENCH_NODE=${START_NODE} does not run: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

function timeProcess(args: string[], env: NodeJS.ProcessEnv): { wallMs: number; stdout: string; error?: string } {
  const t0 = performance.now();
  const r = spawnSync(START_NODE, args, { env, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  const error =
    r.status === 0
      ? undefined
      : (r.stderr
          .split('\n')
          .find((l) => /^\s*(?:\w*Error|Error)\b.*:/.test(l))
          ?.trim()
          .slice(0, 200) ?? `exit ${r.status}`);
  return { wallMs, stdout: r.stdout, ...(error ? { error } : {}) };
}

/**
 * Bare node and each handler, interleaved round by round so that machine load hits all alike. The last two are a
 * pair (remediate and its floor): they start back to back, in turns first, and `walls` keeps every round's figure so
 * that their ratio is taken round by round, which holds while the machine's speed drifts.
 */
function measureStarts(unpacked: Unpacked[]): {
  bareMs: number;
  byFn: Map<string, StartFigures>;
  walls: Map<string, number[]>;
} {
  const bare: number[] = [];
  const walls = new Map<string, number[]>();
  const imports = new Map<string, number[]>();
  const errors = new Map<string, string>();
  const bareEnv = { PATH: process.env.PATH };
  timeProcess(['-e', '0'], bareEnv); // warm the file cache
  for (const u of unpacked) timeProcess([u.runner], lambdaEnv(u.fn));
  const swapped = [...unpacked.slice(0, -2), ...unpacked.slice(-2).reverse()];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(timeProcess(['-e', '0'], bareEnv).wallMs);
    for (const u of round % 2 ? swapped : unpacked) {
      if (errors.has(u.fn.name)) continue;
      const r = timeProcess([u.runner], lambdaEnv(u.fn));
      if (r.error) {
        errors.set(u.fn.name, r.error);
        continue;
      }
      walls.set(u.fn.name, [...(walls.get(u.fn.name) ?? []), r.wallMs]);
      imports.set(u.fn.name, [...(imports.get(u.fn.name) ?? []), Number(r.stdout)]);
    }
  }
  const byFn = new Map<string, StartFigures>();
  for (const u of unpacked) {
    const error = errors.get(u.fn.name);
    byFn.set(u.fn.name, {
      wallMs: median(walls.get(u.fn.name) ?? [Number.NaN]),
      importMs: median(imports.get(u.fn.name) ?? [Number.NaN]),
      ...(error ? { error } : {}),
    });
  }
  return { bareMs: median(bare), byFn, walls };
}

/** The median of a[i] / b[i]: the ratio of two series measured in the same rounds. */
function pairedRatio(a: number[], b: number[]): number {
  return median(a.slice(0, b.length).map((x, i) => x / (b[i] as number)));
}

/** Runs the bundled remediate handler against moto through a counting proxy (no faults injected). */
async function remediationCalls(remediate: Unpacked): Promise<{ newRole: number; compliant: number }> {
  const moto = await leaseMoto();
  const proxy = await startFaultProxy({ target: moto.endpoint, seed: 1 });
  const saved = { ...process.env };
  try {
    Object.assign(process.env, lambdaEnv(remediate.fn), {
      AWS_ENDPOINT_URL: proxy.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const direct = new IAMClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const prefix = (remediate.fn.environment.ROLE_PREFIXES ?? 'AmazonBedrockAgentCoreSDKRuntime-').split(',')[0];
    const roleName = `${prefix}us-east-1-0b5e4c3d2a`;
    const roleArn = await createToolkitRole(direct, roleName, { agent: 'bench' });
    const mod = (await import(pathToFileURL(remediate.modulePath).href)) as {
      handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ status: string }>;
    };
    const count = async () => {
      proxy.resetStats();
      const outcome = await mod.handler(createRoleEvent(roleName, { roleArn }), lambdaContext());
      const calls = Object.values(proxy.stats().requests).reduce((a, b) => a + b, 0);
      return { calls, status: outcome.status };
    };
    const first = await count();
    const second = await count();
    if (first.status !== 'remediated' || second.status !== 'compliant') {
      throw new Error(`unexpected outcomes: ${first.status}, then ${second.status}`);
    }
    return { newRole: first.calls, compliant: second.calls };
  } finally {
    process.env = saved;
    await proxy.stop();
    await moto.release();
  }
}

function sweepFigures(): string[] {
  if (process.env.BENCH_SKIP_SWEEP === '1') return ['skipped (BENCH_SKIP_SWEEP=1)'];
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts?: Record<string, string> };
  if (!pkg.scripts?.['bench:sweep']) return ['not yet available (no bench:sweep script)'];
  const r = spawnSync('npm', ['run', '-s', 'bench:sweep'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const lines = `${r.stdout}`.trimEnd().split('\n');
  return r.status === 0 ? lines : [...lines, `bench:sweep failed (exit ${r.status}): ${r.stderr.trim().slice(-500)}`];
}

const work = mkdtempSync(join(tmpdir(), 'agentcore-guard-bench-'));
try {
  console.error(`Packaging (serverless package → ${work}) …`);
  packageService(join(work, 'package'));
  const artifacts = readArtifacts(join(work, 'package'));
  const unpacked = artifacts.map((fn) => unpack(fn, join(work, 'unpacked')));
  const reference = await referenceIamClient(join(work, 'package'), join(work, 'unpacked'));
  console.error(`Measuring process starts: ${ROUNDS} rounds of bare node + ${unpacked.length} handler(s) …`);
  // remediate and the IAM client alone last, as the pair whose ratio the design bounds.
  const starts = measureStarts([
    ...unpacked.filter((u) => u.fn.name !== 'remediate'),
    ...unpacked.filter((u) => u.fn.name === 'remediate'),
    reference,
  ]);
  const remediate = unpacked.find((u) => u.fn.name === 'remediate');
  let calls: { newRole: number; compliant: number } | string = 'remediate function not packaged';
  if (!remediate) calls = 'remediate function not packaged';
  else if (!motoAvailable()) calls = MOTO_MISSING_MESSAGE;
  else {
    console.error('Counting remediation calls against moto …');
    calls = await remediationCalls(remediate);
  }
  console.error('Running bench:sweep …');
  const sweep = sweepFigures();

  const rows: [string, string, string][] = [];
  for (const u of unpacked) {
    const f = u.fn;
    const s = starts.byFn.get(f.name);
    rows.push([`${f.name}: zipped JS`, kb(f.jsZippedBytes), `≤ ${kb(budgetFor(f.name).js)}`]);
    rows.push([`${f.name}: minified JS`, kb(f.jsBytes), '']);
    rows.push([
      `${f.name}: zipped artifact${f.mapBytes ? ' (with source maps)' : ''}`,
      kb(f.zipBytes),
      `≤ ${kb(budgetFor(f.name).artifact)}`,
    ]);
    if (!s || s.error) {
      rows.push([`${f.name}: process start`, `failed: ${s?.error ?? 'not measured'}`, '']);
    } else {
      const ratio = s.wallMs / starts.bareMs;
      rows.push([
        `${f.name}: process start, median of ${ROUNDS}`,
        `${s.wallMs.toFixed(0)} ms = ${ratio.toFixed(2)} × bare node`,
        '',
      ]);
      rows.push([`${f.name}: init (import, settings, clients)`, `${s.importMs.toFixed(1)} ms`, '']);
    }
  }
  const ref = starts.byFn.get(reference.fn.name);
  rows.push([
    'reference: IAM client alone, same bundling',
    ref && !ref.error
      ? `${ref.wallMs.toFixed(0)} ms = ${(ref.wallMs / starts.bareMs).toFixed(2)} × bare node (init ${ref.importMs.toFixed(1)} ms)`
      : `failed: ${ref?.error ?? 'not measured'}`,
    '',
  ]);
  const remediateStart = starts.byFn.get('remediate');
  if (ref && !ref.error && remediateStart && !remediateStart.error) {
    // What our code and libraries (Powertools, Valibot, config, policy) add to the floor: "almost nothing" is the aim.
    const addedMs = remediateStart.wallMs - ref.wallMs;
    const ratio = pairedRatio(starts.walls.get('remediate') ?? [], starts.walls.get(reference.fn.name) ?? []);
    rows.push([
      "remediate: start over the IAM client alone (median of the rounds' ratios)",
      `+${addedMs.toFixed(0)} ms = ${ratio.toFixed(2)} × the IAM client alone`,
      `≤ ${START_TARGET_OVER_IAM_CLIENT.toFixed(2)} ×`,
    ]);
  }
  rows.push([`bare node -e 0, median of ${ROUNDS}`, `${starts.bareMs.toFixed(0)} ms`, '']);
  if (typeof calls === 'string') {
    rows.push(['remediation: AWS calls per event', calls, '']);
  } else {
    rows.push(['remediation: AWS calls, new role (toolkit policy)', String(calls.newRole), 'minimum 5']);
    rows.push(['remediation: AWS calls, compliant role', String(calls.compliant), 'minimum 1']);
  }
  rows.push(['sweep (npm run bench:sweep)', sweep.length === 1 ? (sweep[0] as string) : 'see below', '']);

  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((r) => r[i]?.length ?? 0), ['measure', 'measured', 'target'][i]?.length ?? 0),
  );
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(
    `agentcore-guard bench, ${new Date().toISOString()}, starts on node ${startNodeVersion()}, ${process.platform}/${process.arch}`,
  );
  console.log(line(['measure', 'measured', 'target']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  if (sweep.length > 1) {
    console.log('\nnpm run bench:sweep:');
    for (const l of sweep) console.log(`  ${l}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
