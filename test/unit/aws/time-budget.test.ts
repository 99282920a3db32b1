import { describe, expect, it } from 'vitest';
import { FINAL_WORDS_MS, InvocationClock } from '../../../src/aws/time-budget.js';

describe('InvocationClock', () => {
  it("keeps back time for the last log line and metrics from what Lambda's context has left", () => {
    // Prepare
    const clock = new InvocationClock();
    // Act
    clock.start({ getRemainingTimeInMillis: () => 60_000 });
    // Assess
    expect(clock.remainingMs()).toBeLessThanOrEqual(60_000 - FINAL_WORDS_MS);
    expect(clock.remainingMs()).toBeGreaterThan(50_000);
    expect(clock.outOfTime).toBe(false);
  });

  it('is out of time once a loop gave up for lack of it, until the next invocation starts it again', () => {
    // Prepare
    const clock = new InvocationClock();
    clock.start({ getRemainingTimeInMillis: () => 60_000 });
    // Act
    clock.markSpent();
    const during = clock.outOfTime;
    clock.start({ getRemainingTimeInMillis: () => 60_000 });
    // Assess
    expect(during).toBe(true);
    expect(clock.outOfTime).toBe(false);
  });

  it('is out of time when the context has less left than the time kept back', () => {
    // Prepare
    const clock = new InvocationClock();
    // Act
    clock.start({ getRemainingTimeInMillis: () => FINAL_WORDS_MS - 1 });
    // Assess
    expect(clock.remainingMs()).toBe(0);
    expect(clock.outOfTime).toBe(true);
  });
});
