import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { CliIO } from '../../src/cli/output.js';

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
