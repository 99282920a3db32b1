import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { IamRetryStrategy, RetriesExhaustedError } from '../../../src/aws/iam-retry.js';

// The rate limiter's waits are the SDK's business and take real time; these tests are about who may retry.
const noWaiting = { getSendToken: async () => {}, updateClientSendingRate: () => {} };
const throttled: RetryErrorInfo = { errorType: 'THROTTLING' };
const serverError: RetryErrorInfo = { errorType: 'TRANSIENT' };
const badRequest: RetryErrorInfo = { errorType: 'CLIENT_ERROR' };

/** One call's life: its initial token, then a refresh per failed attempt; resolves to the retries it was given. */
async function failingCall(strategy: IamRetryStrategy, failures: number, error: RetryErrorInfo) {
  let token: StandardRetryToken = await strategy.acquireInitialRetryToken();
  for (let i = 0; i < failures; i += 1) token = await strategy.refreshRetryTokenForRetry(token, error);
  strategy.recordSuccess(token);
  return token.getRetryCount();
}

describe('IamRetryStrategy', () => {
  it('keeps giving throttled calls their retries however many came before (no shared quota to drain)', async () => {
    // Prepare: 300 calls throttled twice each, far past the 100 throttling retries the SDK's quota allows a client.
    const strategy = new IamRetryStrategy(8, { rateLimiter: noWaiting, random: () => 0 });
    // Act
    const retries = await Promise.all(Array.from({ length: 300 }, () => failingCall(strategy, 2, throttled)));
    // Assess
    expect(retries.every((r) => r === 2)).toBe(true);
  });

  it('gives up on a throttled call once its attempts are spent', async () => {
    // Prepare
    const strategy = new IamRetryStrategy(3, { rateLimiter: noWaiting, random: () => 0 });
    // Act
    const attempt = failingCall(strategy, 3, throttled);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RetriesExhaustedError);
  });

  it('stops retrying server errors once the outage quota is spent, so an outage is not hammered', async () => {
    // Prepare
    const strategy = new IamRetryStrategy(100, { rateLimiter: noWaiting, random: () => 0 });
    let token = await strategy.acquireInitialRetryToken();
    let given = 0;
    // Act
    const attempt = (async () => {
      for (;;) {
        token = await strategy.refreshRetryTokenForRetry(token, serverError);
        given += 1;
      }
    })();
    // Assess: 500 tokens at 14 a retry.
    await expect(attempt).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(given).toBe(Math.floor(500 / 14));
  });

  it('never retries a client error', async () => {
    // Prepare
    const strategy = new IamRetryStrategy(8, { rateLimiter: noWaiting });
    const token = await strategy.acquireInitialRetryToken();
    // Act / Assess
    await expect(strategy.refreshRetryTokenForRetry(token, badRequest)).rejects.toBeInstanceOf(RetriesExhaustedError);
  });

  it('backs off exponentially from one second after throttling, capped at twenty', async () => {
    // Prepare: the top of the jitter range.
    const strategy = new IamRetryStrategy(10, { rateLimiter: noWaiting, random: () => 1 });
    let token = await strategy.acquireInitialRetryToken();
    const delays: number[] = [];
    // Act
    for (let i = 0; i < 7; i += 1) {
      token = await strategy.refreshRetryTokenForRetry(token, throttled);
      delays.push(token.getRetryDelay());
    }
    // Assess
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
  });

  it('waits at least as long as the service asked with Retry-After', async () => {
    // Prepare
    const strategy = new IamRetryStrategy(8, { rateLimiter: noWaiting, random: () => 0 });
    const token = await strategy.acquireInitialRetryToken();
    // Act
    const next = await strategy.refreshRetryTokenForRetry(token, {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 5_000),
    });
    // Assess
    expect(next.getRetryDelay()).toBeGreaterThan(4_000);
  });
});

describe('IamRetryStrategy within the invocation’s time', () => {
  it('starts no retry that could not finish before the time is spent, and says the time was the reason', async () => {
    // Prepare: the first retry's backoff plus one request timeout fit in 15 s; with 3 s left, none does.
    let left = 15_000;
    let spent = false;
    const budget = {
      remainingMs: () => left,
      markSpent: () => {
        spent = true;
      },
    };
    const strategy = new IamRetryStrategy(8, { rateLimiter: noWaiting, random: () => 1, budget });
    const token = await strategy.acquireInitialRetryToken();
    // Act
    const first = await strategy.refreshRetryTokenForRetry(token, throttled);
    left = 3_000;
    const second = strategy.refreshRetryTokenForRetry(first, throttled);
    // Assess
    expect(first.getRetryCount()).toBe(1);
    await expect(second).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(spent).toBe(true);
  });
});
