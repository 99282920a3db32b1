import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../src/aws/arn.js';
import { createIamClient } from '../../src/aws/clients.js';
import { checkCodeInterpreterPermissions } from '../../src/permission/check.js';
import { leastPrivilegePolicy, seedPolicy } from '../../src/policy/profiles.js';
import { createRoles } from '../support/iam-fixtures.js';
import { useMoto } from '../support/use-moto.js';

const P = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-';
const arn = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
/** What toolkits before 0.1.15 give a role: no Code Interpreter access at all. */
const toolkitPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ECRImageAccess', Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: '*' },
    { Sid: 'BedrockModelInvocation', Effect: 'Allow', Action: ['bedrock:InvokeModel'], Resource: '*' },
  ],
});

let iam: IAMClient;

describe('local permission evaluation against moto', () => {
  useMoto();
  beforeAll(() => {
    // Moto answers SimulatePrincipalPolicy with HTTP 500: few attempts keep the fallback quick.
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 2 });
  });

  async function roleWith(name: string, inline: Record<string, string>) {
    await createRoles(iam, [P + name]);
    for (const [policyName, document] of Object.entries(inline)) {
      await iam.send(
        new PutRolePolicyCommand({ RoleName: P + name, PolicyName: policyName, PolicyDocument: document }),
      );
    }
    return arn(P + name);
  }

  it('allows a role with the seed policy, through its bedrock-agentcore:* statement', async () => {
    // Prepare
    const roleArn = await roleWith('seed', {
      Toolkit: toolkitPolicy,
      CodeInterpreterAccess: JSON.stringify(seedPolicy()),
    });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report.allowed).toBe(true);
    expect(report.decisions.every((d) => d.decision === 'allowed')).toBe(true);
    expect(report.decisions[0]?.matchedStatements).toEqual([
      { policyName: 'CodeInterpreterAccess', sid: 'BedrockAgentCoreAccess', statementIndex: 1 },
    ]);
  });

  it('allows a role with the least-privilege policy', async () => {
    // Prepare
    const roleArn = await roleWith('least', {
      Toolkit: toolkitPolicy,
      CodeInterpreterAccess: JSON.stringify(leastPrivilegePolicy(parseRoleArn(arn(`${P}least`)))),
    });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report.allowed).toBe(true);
    expect(report.decisions.every((d) => d.matchedStatements[0]?.sid === 'AgentCoreGuardCodeInterpreter')).toBe(true);
  });

  it('denies a role with neither policy, naming no statement', async () => {
    // Prepare
    const roleArn = await roleWith('neither', { Toolkit: toolkitPolicy });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report.allowed).toBe(false);
    expect(report.decisions.every((d) => d.decision === 'implicitDeny' && d.matchedStatements.length === 0)).toBe(true);
  });

  it('reads attached managed policies too', async () => {
    // Prepare
    const roleArn = await roleWith('managed', { Toolkit: toolkitPolicy });
    const { Policy: policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'SeedFix', PolicyDocument: JSON.stringify(seedPolicy()) }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: `${P}managed`, PolicyArn: policy?.Arn }));

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local' });

    // Assess
    expect(report.allowed).toBe(true);
    expect(report.decisions[0]?.matchedStatements[0]?.policyName).toBe('SeedFix');
  });

  it('falls back to local evaluation in auto mode, because moto does not implement SimulatePrincipalPolicy', async () => {
    // Prepare
    const roleArn = await roleWith('auto', { Toolkit: toolkitPolicy });

    // Act
    const report = await checkCodeInterpreterPermissions(roleArn, { iam });

    // Assess
    expect(report).toMatchObject({ method: 'local', allowed: false });
    expect(report.fallbackReason).toBeDefined();
  });
});
