import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPackaging, PACKAGED_TEMPLATE } from '../support/packaging.js';
import {
  functionRoles,
  type GrantedStatement,
  grantsIam,
  iamWriteActions,
  managedPolicyArns,
  resolveString,
  statementsOfRole,
  type Template,
} from '../support/template-audit.js';

// Least privilege, checked on the template `serverless package` really produces (offline, nothing deployed).
let template: Template;

beforeAll(async () => {
  const dir = await defaultPackaging();
  template = JSON.parse(readFileSync(join(dir, PACKAGED_TEMPLATE), 'utf8')) as Template;
}, 240_000);

/** `*`, or an IAM ARN pattern that covers every role or every IAM resource of an account. */
const unscoped = (resource: string) =>
  resource === '*' || /^arn:[^:]*:iam::[^:]*:(?:\*|role\/\*|role\/)$/.test(resource);

async function iamWritesOnEverything(statements: GrantedStatement[]): Promise<string[]> {
  const findings: string[] = [];
  for (const s of statements) {
    if (s.effect !== 'Allow') continue;
    if (s.notAction && s.actions.some(grantsIam) === false) {
      findings.push(`${s.role}: NotAction ${s.actions.join(',')} grants every other action, IAM writes included`);
      continue;
    }
    const everywhere = s.notResource || s.resources.some(unscoped);
    if (!everywhere) continue;
    for (const action of s.actions) {
      const writes = await iamWriteActions(action);
      if (writes.length > 0)
        findings.push(`${s.role}: ${action} (${writes.length} IAM write actions) on ${s.resources.join(',')}`);
    }
  }
  return findings;
}

describe('IAM write access of the function roles (packaged template)', () => {
  it('finds Lambda functions with their own roles in the template', () => {
    // Act
    const roles = functionRoles(template);
    // Assess
    expect(roles.size).toBeGreaterThan(0);
    expect(new Set(roles.values()).size).toBe(roles.size);
    for (const role of roles.values()) expect(template.Resources[role]?.Type).toBe('AWS::IAM::Role');
  });

  it('grants no function role an IAM write action on every resource', async () => {
    // Prepare
    const statements = [...new Set(functionRoles(template).values())].flatMap((r) => statementsOfRole(template, r));
    // Act
    const findings = await iamWritesOnEverything(statements);
    // Assess
    expect(findings).toEqual([]);
  });

  it('attaches no AWS managed policy that grants IAM administration to a function role', () => {
    // Act
    const arns = [...new Set(functionRoles(template).values())].flatMap((r) => managedPolicyArns(template, r));
    // Assess
    expect(arns.filter((a) => /AdministratorAccess|PowerUserAccess|IAMFullAccess/.test(a))).toEqual([]);
  });

  it('limits every IAM action of the remediation role to the prefixed role ARNs', () => {
    // Prepare
    const fnId = [...functionRoles(template).keys()].find((id) => /^Remediate/i.test(id));
    expect(fnId, 'a remediate function in the template').toBeDefined();
    const roleId = functionRoles(template).get(fnId as string) as string;
    const env = template.Resources[fnId as string]?.Properties?.Environment as { Variables?: Record<string, unknown> };
    const prefixes = resolveString(env?.Variables?.ROLE_PREFIXES ?? 'AmazonBedrockAgentCoreSDKRuntime-')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const allowed = new Set(prefixes.map((p) => `arn:aws:iam::123456789012:role/${p}*`));
    // Act
    const iamStatements = statementsOfRole(template, roleId).filter((s) => s.actions.some(grantsIam));
    const allows = iamStatements.filter((s) => s.effect === 'Allow');
    const denies = iamStatements.filter((s) => s.effect === 'Deny');
    const outside = allows.flatMap((s) =>
      s.notResource ? ['NotResource'] : s.resources.filter((r) => !allowed.has(r)),
    );
    // Assess: allowed on the prefixed roles only, and denied on every role at a path.
    expect(allows.length).toBeGreaterThan(0);
    expect(allows.every((s) => !s.notAction)).toBe(true);
    expect(outside).toEqual([]);
    expect(denies.flatMap((s) => s.resources)).toEqual(['arn:aws:iam::123456789012:role/*/*']);
  });
});

/** CloudFormation `Fn::Sub` text: `${...}` here is CloudFormation's syntax, not a JavaScript template. */
const sub = (text: string) => ({ 'Fn::Sub': text.replaceAll('{{', '${') });

describe('the template audit itself', () => {
  const synthetic = (statement: Record<string, unknown>): Template => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
      FnRole: {
        Type: 'AWS::IAM::Role',
        Properties: { Policies: [{ PolicyDocument: { Version: '2012-10-17', Statement: [statement] } }] },
      },
    },
  });
  const findingsFor = (statement: Record<string, unknown>) => {
    const t = synthetic(statement);
    return iamWritesOnEverything(statementsOfRole(t, 'FnRole'));
  };

  it('flags wildcard IAM writes, tagging and PassRole on *', async () => {
    // Act
    const put = await findingsFor({ Effect: 'Allow', Action: 'iam:Put*', Resource: '*' });
    const tag = await findingsFor({ Effect: 'Allow', Action: ['iam:TagRole'], Resource: ['*'] });
    const pass = await findingsFor({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' });
    const star = await findingsFor({ Effect: 'Allow', Action: '*', Resource: '*' });
    // Assess
    expect([put, tag, pass, star].map((f) => f.length)).toEqual([1, 1, 1, 1]);
  });

  it('flags writes on every role of the account written as an ARN', async () => {
    // Act
    const findings = await findingsFor({
      Effect: 'Allow',
      Action: 'iam:PutRolePolicy',
      Resource: sub('arn:{{AWS::Partition}:iam::{{AWS::AccountId}:role/*'),
    });
    // Assess
    expect(findings).toHaveLength(1);
  });

  it('accepts IAM reads on * and writes scoped to a prefix', async () => {
    // Act
    const reads = await findingsFor({ Effect: 'Allow', Action: ['iam:ListRoles', 'iam:GetRole'], Resource: '*' });
    const scoped = await findingsFor({
      Effect: 'Allow',
      Action: 'iam:PutRolePolicy',
      Resource: sub('arn:{{AWS::Partition}:iam::{{AWS::AccountId}:role/AmazonBedrockAgentCoreSDKRuntime-*'),
    });
    // Assess
    expect([reads, scoped]).toEqual([[], []]);
  });
});
