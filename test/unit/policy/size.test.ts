import { describe, expect, it } from 'vitest';
import { assertFitsInlineQuota, InlinePolicySizeLimitError, policySize } from '../../../src/policy/size.js';

describe('policySize', () => {
  it('does not count whitespace, as IAM does not', () => {
    expect(policySize('{ "a" :\n\t"b" }')).toBe(policySize('{"a":"b"}'));
  });
});

describe('assertFitsInlineQuota', () => {
  it('accepts a total of exactly 10,240 characters', () => {
    expect(() =>
      assertFitsInlineQuota('r', { ours: 4_640, others: [{ policyName: 'toolkit', size: 5_600 }] }),
    ).not.toThrow();
  });

  it('rejects one character more, naming the limit and every size', () => {
    // Act
    const attempt = () => assertFitsInlineQuota('r', { ours: 4_641, others: [{ policyName: 'toolkit', size: 5_600 }] });
    // Assess
    expect(attempt).toThrow(InlinePolicySizeLimitError);
    expect(attempt).toThrow(/4641 chars.*toolkit=5600.*10241 chars.*10240/);
  });
});
