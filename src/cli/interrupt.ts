import { EXIT, type ExitCode, type SignalSource } from './output.js';

/**
 * SIGINT (Ctrl-C) and SIGTERM while a long command runs: `next` settles with the first one, so the command can stop
 * its progress bar, print what it has done and exit 130 or 143. Without a source (in-process runs) it never settles.
 * While watched, a signal no longer ends the process by itself: the command must.
 */
export function watchInterrupts(source: SignalSource | undefined): {
  next: Promise<{ signal: NodeJS.Signals }>;
  dispose: () => void;
} {
  if (!source) return { next: new Promise(() => undefined), dispose: () => undefined };
  let settle: (value: { signal: NodeJS.Signals }) => void = () => undefined;
  const next = new Promise<{ signal: NodeJS.Signals }>((resolve) => {
    settle = resolve;
  });
  const onInt = () => settle({ signal: 'SIGINT' });
  const onTerm = () => settle({ signal: 'SIGTERM' });
  source.once('SIGINT', onInt);
  source.once('SIGTERM', onTerm);
  return {
    next,
    dispose: () => {
      source.off('SIGINT', onInt);
      source.off('SIGTERM', onTerm);
    },
  };
}

/**
 * A long command's work, or the first SIGINT or SIGTERM while it runs, whichever comes first; its progress bar is
 * stopped either way. On a signal the work is abandoned: what is still in flight is no longer reported, and the
 * command exits with the signal's code (130 or 143) once it has said what it did.
 */
export async function untilDoneOrInterrupted<T>(
  source: SignalSource | undefined,
  work: Promise<T>,
  stopProgress: () => void,
): Promise<{ result: T } | { signal: NodeJS.Signals; exitCode: ExitCode }> {
  const interrupts = watchInterrupts(source);
  let finished: { result: T } | { signal: NodeJS.Signals };
  try {
    finished = await Promise.race([work.then((result) => ({ result })), interrupts.next]);
  } finally {
    stopProgress();
    interrupts.dispose();
  }
  if ('result' in finished) return finished;
  work.catch(() => undefined);
  return { signal: finished.signal, exitCode: finished.signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted };
}
