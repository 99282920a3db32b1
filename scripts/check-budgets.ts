/**
 * `npm run check:budgets [-- <package dir>]`: fails (exit 1) when a packaged Lambda artifact is over its size budget.
 * With a directory (e.g. `.serverless` after `npm run package`) it checks what is there; without one it packages into a
 * temporary directory first. Sizes only: times are printed by `npm run bench`, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetFor, kb, PackagingError, packageService, readArtifacts, ZIP_BUDGETS } from './lib/artifacts.js';

const given = process.argv[2];
const dir = given ?? mkdtempSync(join(tmpdir(), 'agentcore-guard-budgets-'));
try {
  if (!given) packageService(dir);
  const artifacts = readArtifacts(dir);
  let over = 0;
  for (const a of artifacts) {
    const budget = budgetFor(a.name);
    const ok = a.zipBytes <= budget;
    if (!ok) over++;
    const own = a.name in ZIP_BUDGETS ? '' : ' (default budget)';
    console.log(
      `${ok ? 'ok  ' : 'OVER'} ${a.name.padEnd(14)} zip ${kb(a.zipBytes).padStart(9)} / budget ${kb(budget)}${own}` +
        `   js ${kb(a.jsBytes)}${a.mapBytes ? `, source maps ${kb(a.mapBytes)}` : ''}`,
    );
  }
  if (artifacts.length === 0) {
    console.error('No functions found in the package: nothing to check.');
    process.exitCode = 1;
  } else if (over > 0) {
    console.error(
      `${over} artifact(s) over budget. Find what grew with an esbuild metafile (custom.esbuild.metafile: true) and cut it, ` +
        'or raise the budget in scripts/lib/artifacts.ts with the reason in the commit message.',
    );
    process.exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof PackagingError ? error.message : error);
  process.exitCode = 2;
} finally {
  if (!given) rmSync(dir, { recursive: true, force: true });
}
