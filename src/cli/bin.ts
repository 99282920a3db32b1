import { run } from './main.js';

/** The process entry point (the bin shim and dist/cli.mjs): real streams, signals, environment and exit code. */

// A reader that stops early (`agentcore-guard policy | head -1`) closes the pipe: what is left to write has no one to
// read it. End quietly with the command's own exit code instead of an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

// The SDK prints eight lines about Node versions when a client is built; the CLI says it in one (see prepareAws).
// Someone who silenced the SDK's notice gets neither.
const sdkNoticeWanted = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stderr.isTTY === true,
  env: process.env,
  signals: process,
  ...(sdkNoticeWanted ? { nodeVersion: process.version } : {}),
});
process.exitCode = code;
// An interrupted command has already said what it did; requests still in flight must not keep the process alive.
if (code >= 128) process.exit(code);
