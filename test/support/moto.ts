import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';

export interface MotoServer {
  endpoint: string;
  /** Wipes all state, so each test starts from an empty account. */
  reset(): Promise<void>;
  /** Done with it: the server goes back to this worker's idle servers, or stops if it cannot outlive the tests. */
  release(): Promise<void>;
}

export const MOTO_MISSING_MESSAGE =
  'moto_server was not found on PATH. Install it with: pip install "moto[server]>=5" (it provides moto_server), then retry.';

/** How moto is started: the program itself, or the Python interpreter behind it with `-m moto.server`. */
interface MotoCommand {
  command: string;
  args: string[];
  /** The server exits by itself when the test process does. */
  exitsWithTests?: boolean;
}

/** Set by the integration tests' global setup, so that each test file's process does not look moto up again. */
const MOTO_PYTHON_ENV = 'AGENTCORE_GUARD_MOTO_PYTHON';

function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The interpreter named by a Python script's `#!` line, if it names one directly. */
function pythonOf(script: string): string | undefined {
  const shebang = readFileSync(script, 'utf8').slice(0, 512).split('\n', 1)[0] ?? '';
  const interpreter = /^#!\s*(\S*python[0-9.]*)\s*$/.exec(shebang)?.[1];
  return interpreter && isAbsolute(interpreter) ? interpreter : undefined;
}

/**
 * The `moto_server` on PATH, resolved once. The tests start many emulators, so what a start costs counts many
 * times over: a version manager's shim (pyenv's is a chain of shell scripts) and a `--help` probe each cost a Python
 * start. The interpreter behind the script runs moto's server module directly; anything else runs `moto_server` as is.
 */
export function motoCommand(): MotoCommand | undefined {
  const known = process.env[MOTO_PYTHON_ENV];
  if (known) return underWatch(known);
  const script = onPath('moto_server');
  if (!script) return undefined;
  let real: string | undefined = script;
  if (!pythonOf(script)) {
    const which = spawnSync('pyenv', ['which', 'moto_server'], { encoding: 'utf8' });
    real = which.status === 0 ? which.stdout.trim() : undefined;
  }
  const python = real ? pythonOf(real) : undefined;
  if (!python) return { command: script, args: [] };
  process.env[MOTO_PYTHON_ENV] = python;
  return underWatch(python);
}

/**
 * moto's server, run by the interpreter with one addition: it exits when its standard input closes, which happens
 * when the test process ends however it ends. An idle server kept for the next test file never outlives the run.
 */
function underWatch(python: string): MotoCommand {
  const script = [
    'import os, sys, threading',
    'threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()',
    'from moto.server import main',
    'main(sys.argv[1:])',
  ].join('\n');
  return { command: python, args: ['-c', script], exitsWithTests: true };
}

export function motoAvailable(): boolean {
  return motoCommand() !== undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Servers this worker started that no test file is using. The files of a worker run one after another in the same
 * module graph (`isolate: false`), so the next file leases one of these, wiped, instead of paying for a Python start.
 */
const idle: Running[] = [];

interface Running {
  endpoint: string;
  child: ChildProcess;
  exitsWithTests: boolean;
}

/**
 * A real moto server on a loopback port, wiped (an empty account in every region), for one test file or test:
 * an idle one of this worker's, or a new one. `release()` it when done.
 */
export async function leaseMoto(): Promise<MotoServer> {
  let server = idle.pop();
  while (server && server.child.exitCode !== null) server = idle.pop();
  if (server) await wipe(server.endpoint);
  else server = await startServer();
  const leased = server;
  let released = false;
  return {
    endpoint: leased.endpoint,
    reset: () => wipe(leased.endpoint),
    async release() {
      if (released) return;
      released = true;
      if (leased.exitsWithTests && leased.child.exitCode === null) idle.push(leased);
      else await stop(leased.child);
    },
  };
}

async function wipe(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto on ${endpoint} did not reset: HTTP ${response.status}`);
}

/** Starts a real moto server on a free loopback port and waits until it answers. */
async function startServer(): Promise<Running> {
  const moto = motoCommand();
  if (!moto) throw new Error(MOTO_MISSING_MESSAGE);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(moto.command, [...moto.args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // An idle server must not keep the worker alive: it ends with the test process (see underWatch).
  child.unref();
  for (const stream of [child.stdin, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  return { endpoint, child, exitsWithTests: moto.exitsWithTests ?? false };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
  });
}

/** Points every SDK client built after this call at the emulator, with dummy credentials. */
export function useEndpoint(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_SESSION_TOKEN = 'testing';
  process.env.AWS_REGION = 'us-east-1';
}
