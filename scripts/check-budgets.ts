/**
 * `npm run check:budgets [-- <package dir>]`: fails (exit 1) when a packaged Lambda artifact is over its size budget.
 * With a directory (e.g. `.serverless` after `npm run package`) it checks what is there; without one it packages into a
 * temporary directory first. Sizes only: times are printed by `npm run bench`, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetFor, kb, PackagingError, packageService, readArtifacts, SIZE_BUDGETS } from './lib/artifacts.js';

const given = process.argv[2];
const dir = given ?? mkdtempSync(join(tmpdir(), 'agentcore-guard-budgets-'));
try {
  if (!given) packageService(dir);
  const artifacts = readArtifacts(dir);
  let over = 0;
  for (const a of artifacts) {
    const budget = budgetFor(a.name);
    const own = a.name in SIZE_BUDGETS ? '' : ' (default budgets)';
    const checks: [string, number, number][] = [
      ['zipped JS', a.jsZippedBytes, budget.js],
      ['artifact ', a.zipBytes, budget.artifact],
    ];
    for (const [what, size, limit] of checks) {
      const ok = size <= limit;
      if (!ok) over++;
      console.log(
        `${ok ? 'ok  ' : 'OVER'} ${a.name.padEnd(14)} ${what} ${kb(size).padStart(9)} / budget ${kb(limit)}${own}`,
      );
    }
    console.log(
      `     ${''.padEnd(14)} minified JS ${kb(a.jsBytes)}${a.mapBytes ? `, source maps ${kb(a.mapBytes)} (uncompressed)` : ''}`,
    );
  }
  if (artifacts.length === 0) {
    console.error('No functions found in the package: nothing to check.');
    process.exitCode = 1;
  } else if (over > 0) {
    console.error(
      `${over} size(s) over budget. Find what grew with an esbuild metafile (custom.esbuild.metafile: true) and cut it, ` +
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
