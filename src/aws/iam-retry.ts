import { DefaultRateLimiter } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import { NO_TIME_LIMIT, type TimeBudget } from './time-budget.js';

// The SDK's own figures (retries-2026): first backoff 50 ms, 1 s after throttling, at most 20 s; a 500-token quota.
const TRANSIENT_BASE_MS = 50;
const THROTTLING_BASE_MS = 1_000;
const MAX_DELAY_MS = 20_000;
const OUTAGE_QUOTA = 500;
const TRANSIENT_COST = 14;
const SUCCESS_REFILL = 1;
/** How long one IAM request may take before it is given up (and retried): see `createIamClient`. */
export const IAM_REQUEST_TIMEOUT_MS = 10_000;

/** The part of the SDK's adaptive rate limiter this strategy uses. */
export interface RateLimiter {
  getSendToken(): Promise<void>;
  updateClientSendingRate(response: unknown): void;
}

class IamRetryToken implements StandardRetryToken {
  constructor(
    private readonly count: number,
    private readonly delay: number,
    private readonly cost: number | undefined,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
  getRetryCost(): number | undefined {
    return this.cost;
  }
}

export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
}

/**
 * IAM's request rate is an account-wide quota: other tools in the account throttle us too, for as long as they run.
 * The SDK's strategies share one retry quota per client (a circuit breaker for outages) that throttling also spends,
 * so a long sweep under throttling drains it and every later throttled call fails on its first answer. Here a
 * throttled call keeps all its attempts, with exponential backoff and the SDK's adaptive client-side rate limiter;
 * server errors and dropped connections still spend a shared quota, so an outage is not hammered.
 */
export class IamRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private readonly rateLimiter: RateLimiter;
  private readonly random: () => number;
  private readonly budget: TimeBudget;
  private capacity = OUTAGE_QUOTA;

  constructor(
    private readonly maxAttempts: number,
    options: { rateLimiter?: RateLimiter; random?: () => number; budget?: TimeBudget } = {},
  ) {
    this.rateLimiter = options.rateLimiter ?? new DefaultRateLimiter();
    this.random = options.random ?? Math.random;
    this.budget = options.budget ?? NO_TIME_LIMIT;
  }

  async acquireInitialRetryToken(): Promise<StandardRetryToken> {
    await this.rateLimiter.getSendToken();
    return new IamRetryToken(0, 0, undefined);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    this.rateLimiter.updateClientSendingRate(errorInfo);
    const retries = token.getRetryCount() + 1;
    const throttled = errorInfo.errorType === 'THROTTLING';
    const cost = throttled ? 0 : TRANSIENT_COST;
    const retryable = throttled || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || retries >= this.maxAttempts || this.capacity < cost) {
      throw new RetriesExhaustedError(`No retry for ${errorInfo.errorType} after ${retries} attempt(s).`);
    }
    this.capacity -= cost;
    // Full jitter: concurrent callers spread out instead of retrying in step.
    const backoff =
      this.random() * Math.min(MAX_DELAY_MS, (throttled ? THROTTLING_BASE_MS : TRANSIENT_BASE_MS) * 2 ** (retries - 1));
    const hinted = errorInfo.retryAfterHint ? errorInfo.retryAfterHint.getTime() - Date.now() : 0;
    const delay = Math.min(MAX_DELAY_MS, Math.max(backoff, hinted));
    // A retry that could not finish before the invocation's time is spent is not started: the caller gets IAM's
    // error while there is still time to log it, count it and hand the event back for a later delivery.
    if (delay + IAM_REQUEST_TIMEOUT_MS > this.budget.remainingMs()) {
      this.budget.markSpent?.();
      throw new RetriesExhaustedError(`No retry for ${errorInfo.errorType}: the invocation's time is nearly spent.`);
    }
    await this.rateLimiter.getSendToken();
    return new IamRetryToken(retries, delay, cost);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.rateLimiter.updateClientSendingRate({});
    this.capacity = Math.min(OUTAGE_QUOTA, this.capacity + (token.getRetryCost() || SUCCESS_REFILL));
  }

  /** The outage quota left (for tests and diagnostics). */
  remainingCapacity(): number {
    return this.capacity;
  }
}
