import { type ChildProcessByStdio, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A project script (`scripts/<name>.ts`) run as `npm run` runs it, through tsx in a child process, against the
 * emulator at `endpoint` with test credentials in us-east-1.
 */
export function runProjectScript(script: string, args: string[], endpoint: string): Promise<ScriptRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return finished(child);
}

/** What a child process wrote to stdout and stderr, and its exit code, once it has ended and closed them. */
export function finished(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>) {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<ScriptRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
