import { run } from './main.js';

/** The process entry point (the bin shim and dist/cli.mjs): real streams, real exit code. */
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stderr.isTTY === true,
});
