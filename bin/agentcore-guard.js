#!/usr/bin/env node
// `npx agentcore-guard` / the package's bin. In a clone (devDependencies installed) it runs the TypeScript
// sources through tsx, so it never runs a stale build; elsewhere it runs the bundle from `npm run build:cli`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sources = new URL('../src/cli/bin.ts', import.meta.url);
const bundle = new URL('../dist/cli.mjs', import.meta.url);

function tsxAvailable() {
  try {
    require.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

if (existsSync(sources) && tsxAvailable()) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(sources.href, import.meta.url);
} else if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  process.stderr.write(
    'agentcore-guard: no build found. Run `npm ci` (development) or `npm run build:cli`, then retry.\n',
  );
  process.exitCode = 2;
}
