import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { CliIO } from '../../src/cli/output.js';
import { finished } from './project-script.js';

export interface CaptureOptions {
  /** Pretend stderr is a terminal (the progress bar, cursor and wrap sequences). */
  isTTY?: boolean;
  /** The environment the run reads its settings from, instead of the process's. */
  env?: NodeJS.ProcessEnv;
  /** Signals the run listens to; emit `SIGINT` on it to interrupt. */
  signals?: EventEmitter;
}

/** In-memory stdout/stderr for running the CLI in-process. */
export function captureIO(options: boolean | CaptureOptions = false): {
  io: CliIO;
  stdout: () => string;
  stderr: () => string;
} {
  const { isTTY = false, env, signals } = typeof options === 'boolean' ? { isTTY: options } : options;
  const collect = () => {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    return { stream, text: () => text };
  };
  const out = collect();
  const err = collect();
  // What cli-progress looks for on a terminal stream.
  if (isTTY) Object.assign(err.stream, { isTTY: true, columns: 120 });
  return {
    io: { stdout: out.stream, stderr: err.stream, isTTY, ...(env ? { env } : {}), ...(signals ? { signals } : {}) },
    stdout: out.text,
    stderr: err.text,
  };
}

/** A signal source for in-process runs. */
export const signalSource = () => new EventEmitter();

/**
 * Runs a command on a real pseudo-terminal (python3's pty module: the child is a session leader with the pty as
 * its controlling terminal, stdout and stderr both on it). Once the output matches `when` (a regular expression),
 * the driver interrupts as a person would: `ctrl-c` types ^C, which the terminal's line discipline turns into
 * SIGINT for the foreground process group; `SIGTERM` sends that signal to the child. Returns every byte the
 * terminal received (latin-1, so escape sequences survive), the exit code, and whether the interruption was sent.
 */
export async function runOnTerminal(options: {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  when: string;
  interrupt: 'ctrl-c' | 'SIGTERM';
  timeoutSeconds?: number;
}): Promise<{ output: string; exitCode: number; sent: boolean }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    'python3',
    [
      '-c',
      PTY_DRIVER,
      JSON.stringify(options.argv),
      options.when,
      options.interrupt,
      String(options.timeoutSeconds ?? 120),
    ],
    { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { code: status, stdout, stderr } = await finished(child);
  if (status !== 0) throw new Error(`the terminal driver failed (${status}): ${stderr}`);
  return JSON.parse(stdout);
}

const PTY_DRIVER = `
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time
argv, when, interrupt, timeout = json.loads(sys.argv[1]), re.compile(sys.argv[2].encode()), sys.argv[3], float(sys.argv[4])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
out, sent, deadline = b'', False, time.time() + timeout
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and when.search(out):
        if interrupt == 'ctrl-c':
            os.write(fd, b'\\x03')
        else:
            os.kill(pid, signal.SIGTERM)
        sent = True
else:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
sys.stdout.write(json.dumps({'output': out.decode('latin-1'), 'exitCode': code, 'sent': sent}))
`;
