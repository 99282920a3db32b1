import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildCli } from '../../scripts/build-cli.js';
import { motoCommand } from './moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The entry of the CLI bundle the integration tests' child processes run (built once per run, as `npm run
     * build:cli` does); the chunks it loads sit beside it.
     */
    cliBundle: string;
    /** A folder of this run's own, removed after it: what the test files make once and share (see defaultPackaging). */
    runDir: string;
  }
}

export default async function setup(project: TestProject) {
  // Found once here; the test files' workers inherit the answer (see motoCommand).
  motoCommand();
  // Inside the checkout, so that the bundle resolves its external packages from node_modules as dist/cli.mjs does.
  const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'agentcore-guard-run-'));
  const bundle = await buildCli(join(dir, 'cli'));
  project.provide('cliBundle', bundle);
  project.provide('runDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
