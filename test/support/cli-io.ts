import { Writable } from 'node:stream';
import type { CliIO } from '../../src/cli/output.js';

/** In-memory stdout/stderr for running the CLI in-process. */
export function captureIO(isTTY = false): { io: CliIO; stdout: () => string; stderr: () => string } {
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
  return { io: { stdout: out.stream, stderr: err.stream, isTTY }, stdout: out.text, stderr: err.text };
}
