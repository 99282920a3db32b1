import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

export type LogEntry = Record<string, unknown> & { level?: string; message?: string };

/**
 * Captures what the process writes (Powertools logs and EMF metrics are JSON lines on stdout and stderr) for each
 * test of the file, and keeps it out of the test output, set-up hooks included.
 */
export function captureOutput(): { readonly text: string; lines(level?: string): LogEntry[] } {
  let chunks: string[] = [];
  const capture = () => {
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        chunks.push(String(chunk));
        return true;
      });
    }
  };
  beforeAll(capture);
  beforeEach(() => {
    chunks = [];
    capture();
  });
  // A test's own spies are undone after it; capturing goes on until the file is done (set-up of the next suite too).
  afterEach(() => {
    vi.restoreAllMocks();
    capture();
  });
  afterAll(() => vi.restoreAllMocks());
  return {
    get text() {
      return chunks.join('');
    },
    lines(level?: string) {
      return chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogEntry)
        .filter((entry) => level === undefined || entry.level === level);
    },
  };
}
