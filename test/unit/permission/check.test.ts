import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../../src/aws/arn.js';
import { checkCodeInterpreterPermissions } from '../../../src/permission/check.js';
import { managedInterpreterArn } from '../../../src/permission/report.js';
import type { PolicyDocument } from '../../../src/policy/document.js';
import { leastPrivilegePolicy, MANAGED_INTERPRETER_ACTIONS, seedPolicy } from '../../../src/policy/profiles.js';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const roleArn = 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-east-1-abc';
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-abc';

/** The role's policies as IAM returns them: inline documents URL-encoded. */
function givenRole(inline: Record<string, PolicyDocument>, managed: Record<string, PolicyDocument> = {}) {
  iamMock.on(GetRoleCommand).resolves({
    Role: { RoleName: roleName, Arn: roleArn, Path: '/', RoleId: 'x', CreateDate: new Date() },
  });
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: Object.keys(inline) });
  for (const [name, doc] of Object.entries(inline)) {
    iamMock
      .on(GetRolePolicyCommand, { PolicyName: name })
      .resolves({ RoleName: roleName, PolicyName: name, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) });
  }
  iamMock.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: Object.keys(managed).map((name) => ({
      PolicyName: name,
      PolicyArn: `arn:aws:iam::123456789012:policy/${name}`,
    })),
  });
  for (const [name, doc] of Object.entries(managed)) {
    const policyArn = `arn:aws:iam::123456789012:policy/${name}`;
    iamMock.on(GetPolicyCommand, { PolicyArn: policyArn }).resolves({ Policy: { DefaultVersionId: 'v2' } });
    iamMock
      .on(GetPolicyVersionCommand, { PolicyArn: policyArn, VersionId: 'v2' })
      .resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(doc)) } });
  }
}

const toolkitPolicy: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'ECRImageAccess', Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: '*' }],
};

describe('checkCodeInterpreterPermissions, local evaluation', () => {
  beforeEach(() => iamMock.reset());

  it('allows every Code Interpreter action under the least-privilege policy and names its statement', async () => {
    // Prepare
    givenRole({ Toolkit: toolkitPolicy, CodeInterpreterAccess: leastPrivilegePolicy(parseRoleArn(roleArn)) });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report).toMatchObject({ allowed: true, method: 'local' });
    expect(report.decisions.map((d) => d.decision)).toEqual(MANAGED_INTERPRETER_ACTIONS.map(() => 'allowed'));
    expect(report.decisions[0]?.matchedStatements).toEqual([
      { policyName: 'CodeInterpreterAccess', sid: 'AgentCoreGuardCodeInterpreter', statementIndex: 1 },
    ]);
  });

  it('allows them under the seed policy through its bedrock-agentcore:* statement, from a managed policy too', async () => {
    // Prepare
    givenRole({ Toolkit: toolkitPolicy }, { SeedFix: seedPolicy() });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report.allowed).toBe(true);
    expect(report.decisions.every((d) => d.matchedStatements[0]?.sid === 'BedrockAgentCoreAccess')).toBe(true);
    expect(report.decisions[0]?.matchedStatements[0]?.policyName).toBe('SeedFix');
  });

  it('denies them implicitly for a role with neither policy', async () => {
    // Prepare
    givenRole({ Toolkit: toolkitPolicy });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report.allowed).toBe(false);
    expect(report.decisions.map((d) => d.decision)).toEqual(MANAGED_INTERPRETER_ACTIONS.map(() => 'implicitDeny'));
    expect(report.decisions.every((d) => d.matchedStatements.length === 0)).toBe(true);
  });

  it('reports an explicit deny and the statement that denies, even next to an allow', async () => {
    // Prepare
    givenRole({
      CodeInterpreterAccess: leastPrivilegePolicy(parseRoleArn(roleArn)),
      Guardrail: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'NoSessions', Effect: 'Deny', Action: 'bedrock-agentcore:Start*', Resource: '*' }],
      },
    });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    const start = report.decisions.find((d) => d.action === 'bedrock-agentcore:StartCodeInterpreterSession');
    expect(report.allowed).toBe(false);
    expect(start).toMatchObject({
      decision: 'explicitDeny',
      matchedStatements: [{ policyName: 'Guardrail', sid: 'NoSessions' }],
    });
  });
});

describe('checkCodeInterpreterPermissions, simulation', () => {
  beforeEach(() => iamMock.reset());

  it("asks IAM's simulator about the AWS-managed interpreter and reports its decisions", async () => {
    // Prepare
    iamMock.on(SimulatePrincipalPolicyCommand).callsFake(({ ActionNames }: { ActionNames: string[] }) => ({
      EvaluationResults: ActionNames.map((action) => ({
        EvalActionName: action,
        EvalDecision: 'allowed',
        MatchedStatements: [{ SourcePolicyId: 'CodeInterpreterAccess', SourcePolicyType: 'IAM Policy' }],
      })),
    }));

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'simulate', region: 'eu-west-1' });

    // Assess
    expect(report).toMatchObject({ allowed: true, method: 'simulate' });
    expect(report.decisions).toHaveLength(MANAGED_INTERPRETER_ACTIONS.length);
    expect(iamMock).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      PolicySourceArn: roleArn,
      ResourceArns: [managedInterpreterArn('aws', 'eu-west-1')],
    });
  });

  it('falls back to local evaluation in auto mode when simulation is not implemented, and says why', async () => {
    // Prepare
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error('Deserialization error'), { $metadata: { httpStatusCode: 500 } }));
    givenRole({ CodeInterpreterAccess: leastPrivilegePolicy(parseRoleArn(roleArn)) });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam });

    // Assess
    expect(report).toMatchObject({ allowed: true, method: 'local' });
    expect(report.fallbackReason).toContain('HTTP 500');
    expect(report.fallbackReason).not.toContain('Deserialization error');
  });

  it('says an identity without iam:SimulatePrincipalPolicy needs that permission to see what IAM decides', async () => {
    // Prepare
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    givenRole({});

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam });

    // Assess
    expect(report.fallbackReason).toContain('may not call iam:SimulatePrincipalPolicy');
  });

  it('does not fall back in simulate mode', async () => {
    // Prepare
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error('not implemented'), { name: 'NotImplemented' }));

    // Act
    const check = checkCodeInterpreterPermissions(roleArn, { iam, mode: 'simulate' });

    // Assess
    await expect(check).rejects.toThrow('not implemented');
  });

  it('does not hide a real failure behind local evaluation', async () => {
    // Prepare
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const check = checkCodeInterpreterPermissions(roleArn, { iam });

    // Assess
    await expect(check).rejects.toThrow('Rate exceeded');
    expect(iamMock).not.toHaveReceivedCommand(ListRolePoliciesCommand);
  });
});
