import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/**
 * Size budgets for the packaged Lambda artifacts, checked in CI by scripts/check-budgets.ts and printed by bench.
 * - `js`: the compressed size of the JavaScript inside the zip, i.e. the "zipped JS" of issue 5 (remediate: 170 KB;
 *   the IAM client alone is ~150 KB as CommonJS). This is what Lambda parses and runs at every cold start.
 * - `artifact`: the whole zip as deployed, source maps included (they ship for debugging and are not read at run
 *   time); a looser bound that catches, say, `sourcesContent` switched on or a dependency copied beside the bundle.
 * The other functions get the measured size plus headroom, so that an accidental dependency (a whole SDK, a schema
 * library's locales, the default credential chain) fails the build.
 */
export interface SizeBudget {
  js: number;
  artifact: number;
}
// Each budget is the packaged size when it was set plus about 20 % headroom: a step past it is worth a look.
export const SIZE_BUDGETS: Record<string, SizeBudget> = {
  remediate: { js: 170 * 1024, artifact: 340 * 1024 },
  // Same IAM client and core as remediate.
  reconcile: { js: 170 * 1024, artifact: 340 * 1024 },
  // IAM, AgentCore control plane and the alert clients.
  runtimes: { js: 260 * 1024, artifact: 460 * 1024 },
  // Four SDK clients and the probes.
  healthcheck: { js: 330 * 1024, artifact: 660 * 1024 },
  slackNotify: { js: 150 * 1024, artifact: 320 * 1024 },
};
/** For a function without its own budget yet: generous, but catches a bundle that swallowed node_modules. */
export const DEFAULT_SIZE_BUDGET: SizeBudget = { js: 400 * 1024, artifact: 800 * 1024 };

export interface FunctionArtifact {
  name: string;
  /** e.g. `handlers/remediate/index.handler` */
  handler: string;
  zipPath: string;
  zipBytes: number;
  /** Uncompressed and compressed sizes of the JavaScript in the zip (source maps not counted). */
  jsBytes: number;
  jsZippedBytes: number;
  /** Uncompressed bytes of source maps shipped in the zip. */
  mapBytes: number;
  environment: Record<string, string>;
}

export class PackagingError extends Error {
  override name = 'PackagingError';
}

/**
 * The environment of a machine with no AWS access at all, for a `serverless package` into `dir` (packaging must not
 * need any): no AWS variables, no config or credential files, and an esbuild scratch folder of its own so that it can
 * run beside other packaging (tests, CI) without sharing one.
 */
export function offlinePackagingEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AGENTCORE_GUARD_ESBUILD_DIR: `.esbuild-${process.pid}-${basename(dir)}`,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

/** `serverless package` (osls) into `dir`, offline (see offlinePackagingEnv). */
export function packageService(dir: string, cwd = process.cwd()): void {
  mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    process.execPath,
    [join(cwd, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--package', dir],
    { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: offlinePackagingEnv(dir) },
  );
  if (result.status !== 0) {
    throw new PackagingError(
      `serverless package failed (exit ${result.status}). Run \`npx serverless package\` to see why.\n${result.stderr}${result.stdout}`,
    );
  }
}

interface ZipEntry {
  name: string;
  size: number;
  compressed: number;
}

/** Entries of a zip with their sizes, via `unzip -v` (Info-ZIP, present on CI images and here). */
export function zipEntries(zipPath: string): ZipEntry[] {
  const result = spawnSync('unzip', ['-v', zipPath], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new PackagingError(
      `could not list ${zipPath} with \`unzip -v\`; install Info-ZIP unzip. ${result.stderr ?? ''}`,
    );
  }
  const entries: ZipEntry[] = [];
  for (const line of result.stdout.split('\n')) {
    // Length Method Size Cmpr Date Time CRC-32 Name
    const m = /^\s*(\d+)\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+[0-9a-f]{8}\s+(.+)$/.exec(line);
    if (m) entries.push({ size: Number(m[1]), compressed: Number(m[2]), name: m[3] as string });
  }
  return entries;
}

const isJs = (name: string) => /\.(?:m|c)?js$/.test(name);

/** The functions of a packaged service (from serverless-state.json), with their artifact sizes. */
export function readArtifacts(packageDir: string): FunctionArtifact[] {
  const statePath = join(packageDir, 'serverless-state.json');
  if (!existsSync(statePath))
    throw new PackagingError(`${statePath} not found: is ${packageDir} a serverless package dir?`);
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
    service: {
      provider?: { environment?: Record<string, unknown> };
      functions?: Record<
        string,
        { handler: string; package?: { artifact?: string }; environment?: Record<string, unknown> }
      >;
    };
  };
  const providerEnv = state.service.provider?.environment ?? {};
  const templatePath = join(packageDir, 'cloudformation-template-update-stack.json');
  const template = existsSync(templatePath)
    ? (JSON.parse(readFileSync(templatePath, 'utf8')) as { Parameters?: Record<string, { Default?: unknown }> })
    : {};
  return Object.entries(state.service.functions ?? {}).map(([name, fn]) => {
    const zipPath = resolve(packageDir, `${name}.zip`);
    if (!existsSync(zipPath)) throw new PackagingError(`no artifact ${zipPath}; package with individually: true`);
    const entries = zipEntries(zipPath);
    const js = entries.filter((e) => isJs(e.name));
    const environment: Record<string, string> = {};
    for (const [key, raw] of Object.entries({ ...providerEnv, ...(fn.environment ?? {}) })) {
      const value = parameterDefault(template, resolveStateRef(state, raw));
      // CloudFormation references (Ref, Fn::GetAtt…) have no value before deployment: use a well-formed stand-in.
      environment[key] = typeof value === 'string' || typeof value === 'number' ? String(value) : placeholderFor(key);
    }
    return {
      name,
      handler: fn.handler,
      zipPath,
      zipBytes: statSync(zipPath).size,
      jsBytes: js.reduce((n, e) => n + e.size, 0),
      jsZippedBytes: js.reduce((n, e) => n + e.compressed, 0),
      mapBytes: entries.filter((e) => e.name.endsWith('.map')).reduce((n, e) => n + e.size, 0),
      environment,
    };
  });
}

/** serverless-state.json replaces repeated values by `{"$ref": "$[\"service\"][…]"}` pointers into itself. */
function resolveStateRef(root: unknown, value: unknown): unknown {
  const ref = (value as { $ref?: unknown } | null)?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('$')) return value;
  let node: unknown = root;
  for (const [, key] of ref.matchAll(/\["((?:[^"\\]|\\.)*)"\]/g)) {
    node = (node as Record<string, unknown> | undefined)?.[JSON.parse(`"${key}"`) as string];
  }
  return node;
}

/** `{"Ref": "SomeStackParameter"}` → that parameter's default, as a deployment without overrides would get. */
function parameterDefault(template: { Parameters?: Record<string, { Default?: unknown }> }, value: unknown): unknown {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  return typeof ref === 'string' && template.Parameters?.[ref]?.Default !== undefined
    ? template.Parameters[ref].Default
    : value;
}

function placeholderFor(key: string): string {
  const k = key.toUpperCase();
  if (k.includes('TOPIC')) return 'arn:aws:sns:us-east-1:123456789012:agentcore-guard-alerts';
  if (k.includes('QUEUE') && k.includes('URL'))
    return 'https://sqs.us-east-1.amazonaws.com/123456789012/agentcore-guard';
  if (k.includes('ARN')) return 'arn:aws:iam::123456789012:role/placeholder';
  if (k.includes('TABLE')) return 'agentcore-guard-state';
  if (k.includes('PARAMETER')) return '/agentcore-guard/placeholder';
  return 'placeholder';
}

export const budgetFor = (fn: string): SizeBudget => SIZE_BUDGETS[fn] ?? DEFAULT_SIZE_BUDGET;

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
