import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lock } from 'proper-lockfile';

const checkout = fileURLToPath(new URL('../../', import.meta.url));
const cache = join(checkout, 'node_modules', '.cache');

/**
 * Runs a `serverless package` of this checkout while no other test process runs one. osls empties
 * `<checkout>/.serverless` when a packaging starts, whatever `--package` names, and serverless-esbuild copies the
 * zips through that folder: two packagings at once take each other's files away.
 */
export async function onePackagingAtATime<T>(packaging: () => Promise<T> | T): Promise<T> {
  mkdirSync(cache, { recursive: true });
  const release = await lock(checkout, {
    lockfilePath: join(cache, 'agentcore-guard-packaging.lock'),
    realpath: false,
    // A packaging blocked by a busy machine still holds the lock; a crashed holder frees it after this long.
    stale: 300_000,
    retries: { retries: 1_000, minTimeout: 250, maxTimeout: 1_000 },
  });
  try {
    return await packaging();
  } finally {
    await release();
  }
}

/**
 * The environment of a machine with no AWS access at all (packaging must not need any), with an esbuild scratch
 * folder of its own so that a parallel `npm run package` cannot collide with this one.
 */
export function offlineEnv(buildDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_CONFIG_FILE: join(buildDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(buildDir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AGENTCORE_GUARD_ESBUILD_DIR: `.esbuild-test-${process.pid}-${basename(buildDir)}`,
  };
}
