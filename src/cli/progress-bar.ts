import cliProgress from 'cli-progress';
import type { CliIO } from './output.js';

/**
 * The progress bar of a long command on a terminal, on stderr so that stdout stays the command's output. Its `stop()`
 * shows the cursor and turns line wrap back on: the terminal is left as it was found.
 */
export function terminalBar(io: CliIO, format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { stream: io.stderr, format, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
}
