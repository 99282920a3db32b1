/** The subset of the IAM policy grammar we read and write. */
export type StringOrList = string | string[];

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, StringOrList | boolean | number>>;
}

export interface PolicyDocument {
  Version: '2012-10-17' | '2008-10-17';
  Statement: PolicyStatement | PolicyStatement[];
}

export class MalformedPolicyDocumentError extends Error {
  override name = 'MalformedPolicyDocumentError';
}

export const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function statementsOf(doc: PolicyDocument): PolicyStatement[] {
  return asList(doc.Statement);
}

/**
 * `GetRolePolicy` returns the document URL-encoded (RFC 3986) and SDK v3 does not decode it.
 * A document that is already plain JSON is accepted as it is.
 */
export function decodePolicyDocument(raw: string): PolicyDocument {
  const text = decodePolicyText(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedPolicyDocumentError(
      'The stored policy document is not JSON; inspect it with `aws iam get-role-policy`.',
    );
  }
  if (!isPolicyDocument(parsed)) {
    throw new MalformedPolicyDocumentError(
      'The stored policy document has no Statement; inspect it with `aws iam get-role-policy`.',
    );
  }
  return parsed;
}

/** The document's JSON text, URL-decoded when IAM returned it encoded. */
export function decodePolicyText(raw: string): string {
  if (raw.trimStart().startsWith('{')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedPolicyDocumentError('The stored policy document is not valid URL-encoded text.');
  }
}

function isPolicyDocument(value: unknown): value is PolicyDocument {
  if (typeof value !== 'object' || value === null) return false;
  const statement = (value as { Statement?: unknown }).Statement;
  const list = Array.isArray(statement) ? statement : [statement];
  return list.every((s) => typeof s === 'object' && s !== null);
}
