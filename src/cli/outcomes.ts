import type { PolicyChange } from '../policy/diff.js';
import type { SweepResult } from '../remediation/sweep.js';
import { renderTable } from './output.js';

type Write = Extract<SweepResult, { status: 'remediated' | 'would-remediate' }>;

const isWrite = (result: SweepResult): result is Write =>
  result.status === 'remediated' || result.status === 'would-remediate';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Why a role was left alone or failed, for any status that carries a reason, including ones added later. */
export function reasonOf(result: SweepResult): string {
  const own = result as { reason?: unknown; detail?: unknown; error?: unknown };
  for (const value of [own.reason, own.detail, own.error]) if (typeof value === 'string' && value) return value;
  switch (result.status) {
    case 'excluded':
      return 'tagged agentcore-guard:exclude=true';
    case 'role-not-found':
      return 'no such role (deleted since it was listed?)';
    case 'ignored':
      return 'the name has none of the configured prefixes';
    default:
      return '';
  }
}

/** "6 actions on 2 resources": the size of what an absent policy's write adds. */
function grantSummary(change: PolicyChange): string {
  const conditions = change.conditions.added.length;
  return (
    `${plural(change.actions.added.length, 'action')} on ${plural(change.resources.added.length, 'resource')}` +
    (conditions > 0 ? `, ${plural(conditions, 'condition key')}` : '')
  );
}

/** The difference, one line per entry, like a diff: `+ action  bedrock-agentcore:StartCodeInterpreterSession`. */
export function renderChange(change: PolicyChange, indent = '    '): string[] {
  const line = (sign: string, what: string, value: string) => `${indent}${sign} ${what.padEnd(10)} ${value}`;
  return [
    ...change.actions.added.map((a) => line('+', 'action', a)),
    ...change.actions.removed.map((a) => line('-', 'action', a)),
    ...change.resources.added.map((r) => line('+', 'resource', r)),
    ...change.resources.removed.map((r) => line('-', 'resource', r)),
    ...change.conditions.added.map((c) => line('+', 'condition', c)),
    ...change.conditions.removed.map((c) => line('-', 'condition', c)),
    ...change.conditions.changed.map((c) => line('~', 'condition', `${c} (other values)`)),
    ...change.other.map((o) => line('!', 'statement', o)),
  ];
}

/** One role's outcome as `remediate` prints it: a line, and the difference when the policy was there but different. */
export function describeOutcome(outcome: SweepResult): string {
  const name = outcome.roleName;
  switch (outcome.status) {
    case 'compliant':
      return `${name}: compliant, ${outcome.policyName} already in place; nothing written.`;
    case 'remediated':
      return outcome.previous === 'absent'
        ? `${name}: remediated, ${outcome.policyName} added (${grantSummary(outcome.change)}).`
        : [`${name}: remediated, ${outcome.policyName} replaced:`, ...renderChange(outcome.change, '  ')].join('\n');
    case 'would-remediate':
      return outcome.previous === 'absent'
        ? `${name}: would remediate, ${outcome.policyName} is absent and would be added (${grantSummary(outcome.change)}); dry run, nothing written.`
        : [
            `${name}: would remediate, ${outcome.policyName} is different and would change as below; dry run, nothing written.`,
            ...renderChange(outcome.change, '  '),
          ].join('\n');
    default:
      return `${name}: ${outcome.status}, ${reasonOf(outcome)}; nothing written.`;
  }
}

/** A sweep's results, or those done before it was interrupted, for a person. */
export interface SweepView {
  dryRun: boolean;
  scanned?: number | undefined;
  matched?: number | undefined;
  durationMs?: number | undefined;
  results: readonly SweepResult[];
}

/**
 * The sweep for a person, grouped by what happened (or would happen) to each role: the writes, grouped again by
 * identical change so that a hundred roles with the seed's policy read as one difference; then roles left alone
 * with their reasons, failures with theirs, and a count of the compliant ones. A table of counts closes it.
 */
export function renderSweep(view: SweepView): string {
  const { results, dryRun } = view;
  const lines: string[] = [];
  const writes = results.filter(isWrite);
  const failed = results.filter((r) => r.status === 'failed');
  const compliant = results.filter((r) => r.status === 'compliant');
  const leftAlone = results.filter((r) => !isWrite(r) && r.status !== 'failed' && r.status !== 'compliant');

  if (writes.length > 0) {
    lines.push(
      dryRun
        ? `Would change ${plural(writes.length, 'role')} (dry run: nothing written):`
        : `Changed ${plural(writes.length, 'role')}:`,
    );
    for (const group of groupBy(writes, (w) => JSON.stringify([w.policyName, w.previous, w.change]))) {
      const [first] = group;
      if (!first) continue;
      const verb = dryRun ? 'would be' : 'was';
      const on = `on ${plural(group.length, 'role')}`;
      if (first.previous === 'absent') {
        lines.push('', `  ${first.policyName} absent ${on}, ${verb} added: ${grantSummary(first.change)}.`);
        lines.push(...group.map((w) => `    ${w.roleName}`));
      } else {
        lines.push('', `  ${first.policyName} different ${on}, ${verb} replaced:`);
        lines.push(...group.map((w) => `    ${w.roleName}`));
        lines.push(
          `    ${dryRun ? 'the write would change' : 'the write changed'}:`,
          ...renderChange(first.change, '      '),
        );
      }
    }
    lines.push('');
  } else {
    lines.push(dryRun ? 'Nothing to change.' : 'Nothing changed.', '');
  }
  if (leftAlone.length > 0) {
    lines.push(`Left alone (${plural(leftAlone.length, 'role')}):`);
    lines.push(
      indent(
        renderTable(
          ['Role', 'Status', 'Reason'],
          leftAlone.map((r) => [r.roleName, r.status, reasonOf(r)]),
        ),
      ),
    );
    lines.push('');
  }
  if (failed.length > 0) {
    lines.push(`Failed (${plural(failed.length, 'role')}):`);
    lines.push(
      indent(
        renderTable(
          ['Role', 'Error'],
          failed.map((r) => [r.roleName, reasonOf(r)]),
        ),
      ),
    );
    lines.push('');
  }
  if (compliant.length > 0) lines.push(`Compliant: ${plural(compliant.length, 'role')} already in place.`, '');

  const took = view.durationMs === undefined ? '' : ` in ${(view.durationMs / 1000).toFixed(1)} s`;
  if (view.scanned !== undefined && view.matched !== undefined) {
    lines.push(`Scanned ${view.scanned} roles, ${view.matched} with a configured prefix${took ? `,${took}` : ''}.`, '');
  }
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const statuses = [...STATUS_ORDER, ...[...counts.keys()].filter((s) => !STATUS_ORDER.includes(s))];
  lines.push(
    renderTable(
      ['Outcome', 'Roles'],
      statuses.filter((s) => BASE_STATUSES.has(s) || counts.has(s)).map((s) => [s, String(counts.get(s) ?? 0)]),
    ),
  );
  return lines.join('\n');
}

/** The counts table's rows, in this order; statuses added later follow. */
const STATUS_ORDER: readonly string[] = [
  'compliant',
  'remediated',
  'would-remediate',
  'excluded',
  'role-not-found',
  'failed',
];
/** Rows shown even at zero, so a reader sees that nothing failed. */
const BASE_STATUSES = new Set(['compliant', 'remediated', 'would-remediate', 'failed']);

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
