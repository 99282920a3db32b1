import { asList, type PolicyDocument, type PolicyStatement, statementsOf } from './document.js';

const sortedSet = (values: string[]): string[] => [...new Set(values)].sort();

/** Any JSON value with object keys sorted and arrays read as sets, so that order never matters. */
function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return sortedSet(value.map((v) => JSON.stringify(canonicalValue(v))));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonicalValue(v)]),
    );
  }
  return value;
}

function canonicalCondition(condition: PolicyStatement['Condition']): unknown {
  if (!condition) return undefined;
  // Operators are case-sensitive; condition keys are not; a single value equals a one-element list.
  const operators = Object.entries(condition).map(([operator, keys]) => [
    operator,
    Object.fromEntries(
      Object.entries(keys)
        .map(([key, values]) => [key.toLowerCase(), sortedSet(asList(values as unknown).map(String))] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  ]);
  return Object.fromEntries(operators.sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
}

/** Sid is a label, not a permission, so it is left out. Action names are case-insensitive in IAM. */
function canonicalStatement(s: PolicyStatement): string {
  return JSON.stringify({
    Effect: s.Effect,
    Action: s.Action === undefined ? undefined : sortedSet(asList(s.Action).map((a) => a.toLowerCase())),
    NotAction: s.NotAction === undefined ? undefined : sortedSet(asList(s.NotAction).map((a) => a.toLowerCase())),
    Resource: s.Resource === undefined ? undefined : sortedSet(asList(s.Resource)),
    NotResource: s.NotResource === undefined ? undefined : sortedSet(asList(s.NotResource)),
    Principal: canonicalValue(s.Principal),
    NotPrincipal: canonicalValue(s.NotPrincipal),
    Condition: canonicalCondition(s.Condition),
  });
}

/** A string that is equal for two documents exactly when they grant the same permissions. */
export function canonicalPolicy(doc: PolicyDocument): string {
  return JSON.stringify({ Version: doc.Version, Statement: sortedSet(statementsOf(doc).map(canonicalStatement)) });
}

export function samePolicy(a: PolicyDocument, b: PolicyDocument): boolean {
  return canonicalPolicy(a) === canonicalPolicy(b);
}
