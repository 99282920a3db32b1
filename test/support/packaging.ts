import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lock } from 'proper-lockfile';
import { inject } from 'vitest';
import { offlinePackagingEnv } from '../../scripts/lib/artifacts.js';

const checkout = fileURLToPath(new URL('../../', import.meta.url));
const cache = join(checkout, 'node_modules', '.cache');
const serverlessBin = join(checkout, 'node_modules', 'osls', 'bin', 'serverless.js');

/** The template `serverless package` writes beside the zips. */
export const PACKAGED_TEMPLATE = 'cloudformation-template-update-stack.json';

/**
 * Runs a `serverless package` of this checkout while no other test runs one. osls empties `<checkout>/.serverless`
 * when a packaging starts, whatever `--package` names, and serverless-esbuild copies the zips through that folder:
 * two packagings at once take each other's files away.
 */
export async function onePackagingAtATime<T>(packaging: () => Promise<T> | T): Promise<T> {
  mkdirSync(cache, { recursive: true });
  const release = await lock(checkout, {
    lockfilePath: join(cache, 'agentcore-guard-packaging.lock'),
    realpath: false,
    // The holder's event loop refreshes the lock while its packaging runs as a child; a lock nobody refreshed for
    // this long belongs to a run that died, and the next run takes it over.
    stale: 60_000,
    update: 10_000,
    retries: { retries: 1_000, minTimeout: 250, maxTimeout: 1_000 },
  });
  try {
    return await packaging();
  } finally {
    await release();
  }
}

export interface PackagingResult {
  code: number;
  output: string;
}

/** `serverless package --package outDir …args`, offline, one at a time; resolves with its exit code and output. */
export function packageStack(outDir: string, args: readonly string[] = []): Promise<PackagingResult> {
  return onePackagingAtATime(() => runPackaging(outDir, args));
}

function runPackaging(outDir: string, args: readonly string[]): Promise<PackagingResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [serverlessBin, 'package', '--package', outDir, ...args],
      { cwd: checkout, env: offlinePackagingEnv(outDir), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

/**
 * The folder of the stack packaged with its defaults (no `--param`), packaged once per test run for every file that
 * reads that template: the first file to ask packages it, the others wait for it under the packaging lock.
 */
export function defaultPackaging(): Promise<string> {
  const dir = join(inject('runDir'), 'default-package');
  return onePackagingAtATime(async () => {
    if (existsSync(join(dir, PACKAGED_TEMPLATE))) return dir;
    // Renamed into place only whole, so that a failed packaging is not taken for a finished one.
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    const result = await runPackaging(partial, []);
    if (result.code !== 0) throw new Error(`serverless package failed (${result.code}):\n${result.output}`);
    await rename(partial, dir);
    return dir;
  });
}
