/** How long the current invocation has left, for every loop that waits or retries. */
export interface TimeBudget {
  remainingMs(): number;
  /** Called by a loop that stopped because the time was spent, so the caller can tell why its work failed. */
  markSpent?(): void;
}

/** Outside Lambda (the CLI, scripts): no limit but the caller's patience. */
export const NO_TIME_LIMIT: TimeBudget = { remainingMs: () => Number.POSITIVE_INFINITY };

/**
 * Kept back from Lambda's remaining time for what must happen after the work: the log line and the metrics of an
 * invocation that ran out of time, written before Lambda stops the process.
 */
export const FINAL_WORDS_MS = 2_000;

/**
 * One per handler instance (Lambda runs one invocation at a time per execution environment): each invocation starts
 * it from its context, and the clients and loops built with it stop retrying when the time is spent.
 */
export class InvocationClock implements TimeBudget {
  private endsAt = Number.POSITIVE_INFINITY;
  private spent = false;

  start(context: { getRemainingTimeInMillis(): number }): void {
    this.endsAt = Date.now() + context.getRemainingTimeInMillis() - FINAL_WORDS_MS;
    this.spent = false;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  markSpent(): void {
    this.spent = true;
  }

  /** This invocation ran out of time: a retry or a wait was given up for lack of it. */
  get outOfTime(): boolean {
    return this.spent || this.remainingMs() === 0;
  }
}

/** The invocation's time was spent before the work was done; the event is retried (then dead-lettered). */
export class OutOfTimeError extends Error {
  override name = 'OutOfTimeError';
}
