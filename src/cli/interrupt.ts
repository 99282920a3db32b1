import type { SignalSource } from './output.js';

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
