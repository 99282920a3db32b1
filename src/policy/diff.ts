import { samePolicy } from './canonical.js';
import { asList, type PolicyDocument, type PolicyStatement, statementsOf } from './document.js';

/** Entries one side has and the other has not, each spelt as the document that has it spells it. */
export interface ListChange {
  added: string[];
  removed: string[];
}

/** Condition keys as `Operator key` (e.g. `StringEquals aws:SourceAccount`). */
export interface ConditionChange {
  added: string[];
  removed: string[];
  /** On both sides, with other values. */
  changed: string[];
}

/**
 * What writing the desired inline policy would change, as a person reviews it: the actions and resources of the
 * Allow statements, the condition keys, and anything else those lists cannot show.
 */
export interface PolicyChange {
  actions: ListChange;
  resources: ListChange;
  conditions: ConditionChange;
  /** Deny statements, NotAction / NotResource grants, the version, or the same grants regrouped. Usually empty. */
  other: string[];
}

/**
 * The difference between the role's current inline policy (undefined when it has none) and the desired one,
 * compared as IAM reads them: action names ignore case, lists ignore order, a single value is a one-element list,
 * condition keys ignore case. Sids are labels, not permissions, and never count.
 */
export function diffPolicy(current: PolicyDocument | undefined, desired: PolicyDocument): PolicyChange {
  const before = current ? statementsOf(current) : [];
  const after = statementsOf(desired);
  const grants = (statements: PolicyStatement[]) => statements.filter((s) => !isUnusual(s));
  const change: PolicyChange = {
    actions: diffLists(
      grants(before).flatMap((s) => asList(s.Action)),
      grants(after).flatMap((s) => asList(s.Action)),
      (a) => a.toLowerCase(),
      (a) => a,
    ),
    resources: diffLists(
      grants(before).flatMap((s) => asList(s.Resource)),
      grants(after).flatMap((s) => asList(s.Resource)),
      (r) => r,
      (r) => r,
    ),
    conditions: diffConditions(before, after),
    other: [],
  };
  if (current && current.Version !== desired.Version)
    change.other.push(`Version ${current.Version} → ${desired.Version}`);
  const unusual = diffLists(
    before.filter(isUnusual),
    after.filter(isUnusual),
    (s) => describeStatement(s, true),
    (s) => describeStatement(s, false),
  );
  change.other.push(...unusual.removed.map((s) => `removed: ${s}`), ...unusual.added.map((s) => `added: ${s}`));
  if (current && isEmptyChange(change) && !samePolicy(current, desired)) {
    change.other.push('the same actions and resources, grouped into statements differently');
  }
  return change;
}

export function isEmptyChange(change: PolicyChange): boolean {
  const { actions, resources, conditions, other } = change;
  return (
    [actions.added, actions.removed, resources.added, resources.removed].every((l) => l.length === 0) &&
    [conditions.added, conditions.removed, conditions.changed].every((l) => l.length === 0) &&
    other.length === 0
  );
}

/** Entries by identity (`key`), in the order they first appear; duplicates within one side count once. */
function diffLists<T>(before: T[], after: T[], key: (entry: T) => string, show: (entry: T) => string): ListChange {
  const index = (entries: T[]) => {
    const byKey = new Map<string, string>();
    for (const entry of entries) if (!byKey.has(key(entry))) byKey.set(key(entry), show(entry));
    return byKey;
  };
  const was = index(before);
  const will = index(after);
  return {
    added: [...will].filter(([k]) => !was.has(k)).map(([, shown]) => shown),
    removed: [...was].filter(([k]) => !will.has(k)).map(([, shown]) => shown),
  };
}

/** Each `Operator key` with the set of values every statement gives it (operators keep their case, keys do not). */
function conditionValues(statements: PolicyStatement[]): Map<string, { label: string; values: Set<string> }> {
  const byKey = new Map<string, { label: string; values: Set<string> }>();
  for (const statement of statements) {
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      for (const [conditionKey, values] of Object.entries(keys)) {
        const id = `${operator} ${conditionKey.toLowerCase()}`;
        const entry = byKey.get(id) ?? { label: `${operator} ${conditionKey}`, values: new Set<string>() };
        for (const value of asList(values as unknown)) entry.values.add(String(value));
        byKey.set(id, entry);
      }
    }
  }
  return byKey;
}

function diffConditions(before: PolicyStatement[], after: PolicyStatement[]): ConditionChange {
  const was = conditionValues(before);
  const will = conditionValues(after);
  const sameValues = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((v) => b.has(v));
  return {
    added: [...will].filter(([id]) => !was.has(id)).map(([, c]) => c.label),
    removed: [...was].filter(([id]) => !will.has(id)).map(([, c]) => c.label),
    changed: [...will]
      .filter(([id, c]) => {
        const old = was.get(id);
        return old !== undefined && !sameValues(old.values, c.values);
      })
      .map(([, c]) => c.label),
  };
}

/** Statements the action and resource lists do not describe: denials and grants by exclusion. */
function isUnusual(statement: PolicyStatement): boolean {
  return statement.Effect !== 'Allow' || statement.NotAction !== undefined || statement.NotResource !== undefined;
}

/**
 * One line for such a statement. With `asKey`, in a canonical form (sorted, action names in lower case, conditions
 * included) so that two spellings of the same statement compare equal.
 */
function describeStatement(s: PolicyStatement, asKey: boolean): string {
  const list = (values: string[] | string | undefined, lower = false) => {
    const entries = asList(values).map((v) => (asKey && lower ? v.toLowerCase() : v));
    return (asKey ? [...new Set(entries)].sort() : entries).join(', ');
  };
  const actions = s.NotAction !== undefined ? `every action except ${list(s.NotAction, true)}` : list(s.Action, true);
  const resources = s.NotResource !== undefined ? `every resource except ${list(s.NotResource)}` : list(s.Resource);
  const text = `${s.Effect} ${actions} on ${resources}`;
  if (!asKey || !s.Condition) return text;
  return `${text} if ${JSON.stringify([...conditionValues([s])].map(([id, c]) => [id, [...c.values].sort()]).sort())}`;
}
