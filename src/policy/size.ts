/** All inline policies of one role share this many characters (IAM quota; whitespace is not counted). */
export const ROLE_INLINE_POLICY_SIZE_LIMIT = 10_240;

/** Characters IAM counts against the quota: every non-whitespace character of the JSON text. */
export function policySize(documentText: string): number {
  return documentText.replace(/\s+/g, '').length;
}

export interface InlinePolicySizes {
  ours: number;
  others: { policyName: string; size: number }[];
}

export class InlinePolicySizeLimitError extends Error {
  override name = 'InlinePolicySizeLimitError';
  constructor(
    readonly roleName: string,
    readonly sizes: InlinePolicySizes,
    /** Set when IAM itself refused the write (another writer grew the role after we measured it). */
    refusedByIam = false,
  ) {
    const others = sizes.others.reduce((sum, p) => sum + p.size, 0);
    const list = sizes.others.map((p) => `${p.policyName}=${p.size}`).join(', ') || 'none';
    const verdict = refusedByIam
      ? `measured ${sizes.ours + others} chars, yet IAM refused the write (LimitExceeded): the role's inline policies grew since`
      : `would be ${sizes.ours + others} chars, over`;
    super(
      `Role ${roleName}: our policy (${sizes.ours} chars) plus its other inline policies (${others} chars: ${list}) ` +
        `${verdict} IAM's ${ROLE_INLINE_POLICY_SIZE_LIMIT}-character limit for a role's inline policies. ` +
        'Nothing was written. Use the least-privilege profile, or move a policy to a managed policy and attach it.',
    );
  }
}

/** Refuses a write that would not fit, before IAM is asked. */
export function assertFitsInlineQuota(roleName: string, sizes: InlinePolicySizes): void {
  const total = sizes.ours + sizes.others.reduce((sum, p) => sum + p.size, 0);
  if (total > ROLE_INLINE_POLICY_SIZE_LIMIT) throw new InlinePolicySizeLimitError(roleName, sizes);
}
