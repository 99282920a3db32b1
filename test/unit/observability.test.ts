import { describe, expect, it } from 'vitest';
import { observed } from '../../src/observability.js';
import { lambdaContext } from '../support/lambda.js';
import { captureOutput } from '../support/output.js';

const output = captureOutput();

describe('observed', () => {
  it('says "out of time" and counts it while an invocation still runs near its deadline', async () => {
    // Prepare: 1.5 s left, so the watchdog speaks at 0.5 s; the work takes longer than that.
    const slow = observed(async () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 1_200)));
    // Act
    const result = await slow({}, lambdaContext({ remainingMs: 1_500 }));
    // Assess
    expect(result).toBe('done');
    expect(output.lines('ERROR')).toContainEqual(expect.objectContaining({ message: 'out of time' }));
    expect(output.text).toContain('"OutOfTime"');
  });

  it('stays quiet for an invocation that ends in time, and flushes no empty metrics', async () => {
    // Prepare
    const quick = observed(async () => 'done');
    // Act
    await quick({}, lambdaContext({ remainingMs: 1_500 }));
    await new Promise((resolve) => setTimeout(resolve, 700));
    // Assess
    expect(output.text).toBe('');
  });
});
