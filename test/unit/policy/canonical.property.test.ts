import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { samePolicy } from '../../../src/policy/canonical.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/policy/document.js';

/**
 * Policies with 1–4 statements. Statement i only uses actions of service `svc<i>`, so statements never coincide and
 * a change to one statement cannot be absorbed by another identical statement (which would really be no change).
 */
const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split(''));
const token = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')),
    minLength: min,
    maxLength: max,
  });
const actionName = fc
  .tuple(
    fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')),
    fc.string({ unit: lower, minLength: 2, maxLength: 8 }),
  )
  .map(([head, tail]) => head + tail);
const resource = token(1, 10).map((id) => `arn:aws:bedrock-agentcore:us-east-1:123456789012:code-interpreter/${id}`);
const conditionBlock = fc.dictionary(
  fc.constantFrom('StringEquals', 'StringLike', 'ArnLike', 'Bool'),
  fc.dictionary(
    fc.constantFrom('aws:SourceAccount', 'aws:PrincipalTag/team', 'aws:SecureTransport'),
    fc.oneof(token(1, 6), fc.uniqueArray(token(1, 6), { minLength: 1, maxLength: 3 })),
    { minKeys: 1, maxKeys: 2 },
  ),
  { minKeys: 1, maxKeys: 2 },
);

const statementArb = (i: number) =>
  fc
    .record(
      {
        Sid: token(1, 10),
        Effect: fc.constantFrom('Allow' as const, 'Deny' as const),
        Action: fc.uniqueArray(actionName, { minLength: 1, maxLength: 4, selector: (a) => a.toLowerCase() }),
        Resource: fc.uniqueArray(resource, { minLength: 1, maxLength: 3 }),
        Condition: conditionBlock,
      },
      { requiredKeys: ['Effect', 'Action', 'Resource'] },
    )
    .map((s) => ({ ...s, Action: s.Action.map((a) => `svc${i}:${a}`) }) as PolicyStatement);

const policyArb: fc.Arbitrary<PolicyDocument> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => statementArb(i))))
  .map((statements) => ({ Version: '2012-10-17', Statement: statements }));

const listOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The same permissions written differently: order, string-vs-list, Sid, action case. */
function rewrite(doc: PolicyDocument, seed: number): PolicyDocument {
  const statements = listOf(doc.Statement as never) as unknown as PolicyStatement[];
  const rewritten = statements.map((s, k) => {
    const actions = shuffled(listOf(s.Action), seed + k).map((a, j) =>
      (seed >> j) & 1 ? a.toUpperCase() : a.toLowerCase(),
    );
    const resources = shuffled(listOf(s.Resource), seed * 7 + k);
    const { Sid: _sid, ...rest } = s;
    const out: PolicyStatement = {
      ...rest,
      Action: actions.length === 1 && seed & 2 ? (actions[0] as string) : actions,
      Resource: resources.length === 1 && seed & 4 ? (resources[0] as string) : resources,
    };
    if (seed & 8) out.Sid = `Renamed${k}`;
    return out;
  });
  const ordered = shuffled(rewritten, seed * 13);
  return {
    Version: doc.Version,
    Statement: ordered.length === 1 && seed & 16 ? (ordered[0] as PolicyStatement) : ordered,
  };
}

type Mutation =
  | 'flip-effect'
  | 'add-action'
  | 'drop-action'
  | 'rename-action'
  | 'add-resource'
  | 'drop-resource'
  | 'change-resource'
  | 'resource-case'
  | 'add-condition'
  | 'drop-condition'
  | 'change-condition-value'
  | 'change-condition-operator';

const MUTATIONS: Mutation[] = [
  'flip-effect',
  'add-action',
  'drop-action',
  'rename-action',
  'add-resource',
  'drop-resource',
  'change-resource',
  'resource-case',
  'add-condition',
  'drop-condition',
  'change-condition-value',
  'change-condition-operator',
];

/** One semantic change to statement `target`; returns undefined when it does not apply to that statement. */
function mutate(doc: PolicyDocument, target: number, mutation: Mutation): PolicyDocument | undefined {
  const statements = structuredClone(listOf(doc.Statement as never) as unknown as PolicyStatement[]);
  const s = statements[target % statements.length] as PolicyStatement;
  const actions = listOf(s.Action);
  const resources = listOf(s.Resource);
  const service = (actions[0] as string).split(':')[0];
  switch (mutation) {
    case 'flip-effect':
      s.Effect = s.Effect === 'Allow' ? 'Deny' : 'Allow';
      break;
    case 'add-action':
      s.Action = [...actions, `${service}:ZzAddedAction`];
      break;
    case 'drop-action':
      if (actions.length < 2) return undefined;
      s.Action = actions.slice(1);
      break;
    case 'rename-action':
      s.Action = [`${actions[0]}Renamed`, ...actions.slice(1)];
      break;
    case 'add-resource':
      s.Resource = [...resources, 'arn:aws:bedrock-agentcore:us-east-1:123456789012:code-interpreter/zz-added'];
      break;
    case 'drop-resource':
      if (resources.length < 2) return undefined;
      s.Resource = resources.slice(1);
      break;
    case 'change-resource':
      s.Resource = [`${resources[0]}-changed`, ...resources.slice(1)];
      break;
    case 'resource-case':
      s.Resource = [(resources[0] as string).replace('code-interpreter', 'Code-Interpreter'), ...resources.slice(1)];
      break;
    case 'add-condition':
      s.Condition = { ...s.Condition, NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } };
      break;
    case 'drop-condition':
      if (!s.Condition) return undefined;
      delete s.Condition;
      break;
    case 'change-condition-value': {
      const [op, keys] = Object.entries(s.Condition ?? {})[0] ?? [];
      if (!op || !keys) return undefined;
      const [key, values] = Object.entries(keys)[0] as [string, string | string[]];
      s.Condition = { ...s.Condition, [op]: { ...keys, [key]: [...listOf(values), 'zz-extra'] } };
      break;
    }
    case 'change-condition-operator': {
      const [op, keys] = Object.entries(s.Condition ?? {})[0] ?? [];
      if (!op || !keys) return undefined;
      const other = `${op}IfExists`;
      const { [op]: _old, ...rest } = s.Condition ?? {};
      s.Condition = { ...rest, [other]: keys };
      break;
    }
  }
  return { Version: doc.Version, Statement: statements };
}

describe('samePolicy (property)', () => {
  it('is reflexive', () => {
    fc.assert(fc.property(policyArb, (doc) => samePolicy(doc, structuredClone(doc))));
  });

  it('ignores statement, action and resource order, string-vs-list form, Sid and action case', () => {
    fc.assert(
      fc.property(policyArb, fc.nat(), (doc, seed) => {
        expect(samePolicy(doc, rewrite(doc, seed))).toBe(true);
        expect(samePolicy(rewrite(doc, seed), doc)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('sees every change of effect, action, resource or condition, however the documents are written', () => {
    fc.assert(
      fc.property(policyArb, fc.nat(), fc.nat(), fc.constantFrom(...MUTATIONS), (doc, target, seed, mutation) => {
        const changed = mutate(doc, target, mutation);
        fc.pre(changed !== undefined);
        expect(samePolicy(doc, changed as PolicyDocument)).toBe(false);
        expect(samePolicy(rewrite(doc, seed), changed as PolicyDocument)).toBe(false);
        expect(samePolicy(doc, rewrite(changed as PolicyDocument, seed))).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('reaches every kind of mutation, so the property above covers each', () => {
    // Prepare
    const seen = new Set<Mutation>();
    // Act
    fc.assert(
      fc.property(policyArb, fc.nat(), fc.constantFrom(...MUTATIONS), (doc, target, mutation) => {
        if (mutate(doc, target, mutation)) seen.add(mutation);
      }),
      { numRuns: 500 },
    );
    // Assess
    expect([...seen].sort()).toEqual([...MUTATIONS].sort());
  });
});
