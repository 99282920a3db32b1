import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRemediateHandler, type RemediateResult, remediateDeps } from '../../handlers/remediate/index.js';
import { parseRoleArn } from '../../src/aws/arn.js';
import { loadConfig } from '../../src/config.js';
import { samePolicy } from '../../src/policy/canonical.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { buildPolicyDocument } from '../../src/policy/profiles.js';
import { createRoleEvent } from '../support/events.js';
import {
  createToolkitRole,
  TOOLKIT_PREFIX,
  toolkitExecutionPolicy,
  toolkitPolicyName,
} from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { useMoto } from '../support/use-moto.js';

const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-6f1c2b9a0d';
useMoto();
let iam: IAMClient;
let handler: (event: unknown) => Promise<RemediateResult>;

async function storedPolicy(name: string, policyName = 'CodeInterpreterAccess') {
  const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
  return decodePolicyDocument(PolicyDocument ?? '');
}

async function policyNames(name: string) {
  return (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
}

/** Counts the requests the handler's own client sends, by operation. */
function countCalls(): Map<string, number> {
  const counts = new Map<string, number>();
  const original = IAMClient.prototype.send;
  vi.spyOn(IAMClient.prototype, 'send').mockImplementation(function (
    this: IAMClient,
    command: { constructor: { name: string } },
    ...rest: unknown[]
  ) {
    const op = command.constructor.name.replace(/Command$/, '');
    counts.set(op, (counts.get(op) ?? 0) + 1);
    return (original as (...args: unknown[]) => unknown).call(this, command, ...rest);
  } as typeof original);
  return counts;
}

beforeAll(() => {
  const remediate = createRemediateHandler(
    remediateDeps(loadConfig({ ...process.env, ROLE_PREFIXES: TOOLKIT_PREFIX, ROLE_NOT_FOUND_RETRY_SECONDS: '2' })),
  );
  handler = (event) => remediate(event, lambdaContext());
  iam = new IAMClient({ region: 'us-east-1' });
});

beforeEach(() => {
  vi.restoreAllMocks();
});

describe('remediate handler against a real IAM emulator', () => {
  it('stores the least-privilege Code Interpreter policy on a new AgentCore role', async () => {
    // Prepare
    const roleArn = await createToolkitRole(iam, roleName);
    // Act
    const result = await handler(createRoleEvent(roleName));
    // Assess
    expect(result).toMatchObject({ status: 'remediated', previous: 'absent' });
    const expected = buildPolicyDocument('least-privilege', parseRoleArn(roleArn));
    expect(samePolicy(await storedPolicy(roleName), expected)).toBe(true);
  });

  it('writes nothing on a second delivery of the same event, after two reads', async () => {
    // Prepare
    await createToolkitRole(iam, roleName);
    const event = createRoleEvent(roleName);
    await handler(event);
    const counts = countCalls();
    // Act
    const result = await handler(event);
    // Assess
    expect(result).toMatchObject({ status: 'compliant' });
    // The role itself (who it trusts, where it sits) and our policy: the most a compliant role may cost an event.
    expect(Object.fromEntries(counts)).toEqual({ GetRole: 1, GetRolePolicy: 1 });
  });

  it('ends ten concurrent invocations for one role with one correct policy and no error', async () => {
    // Prepare
    const roleArn = await createToolkitRole(iam, roleName);
    const event = createRoleEvent(roleName);
    // Act
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => handler(event)));
    // Assess
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await policyNames(roleName)).toEqual(['CodeInterpreterAccess', toolkitPolicyName('agent')].sort());
    const expected = buildPolicyDocument('least-privilege', parseRoleArn(roleArn));
    expect(samePolicy(await storedPolicy(roleName), expected)).toBe(true);
  });

  it('leaves the toolkit’s own inline policy exactly as it was', async () => {
    // Prepare
    await createToolkitRole(iam, roleName);
    // Act
    await handler(createRoleEvent(roleName));
    // Assess
    const toolkit = await storedPolicy(roleName, toolkitPolicyName('agent'));
    expect(toolkit).toEqual(JSON.parse(toolkitExecutionPolicy));
  });

  it('leaves a role tagged agentcore-guard:exclude=true untouched', async () => {
    // Prepare
    await createToolkitRole(iam, roleName, { tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] });
    // Act
    const result = await handler(createRoleEvent(roleName));
    // Assess
    expect(result).toMatchObject({ status: 'excluded' });
    expect(await policyNames(roleName)).toEqual([toolkitPolicyName('agent')]);
  });

  it('leaves a role outside the prefixes untouched', async () => {
    // Prepare
    await createToolkitRole(iam, 'PaymentsServiceRole');
    // Act
    const result = await handler(createRoleEvent('PaymentsServiceRole'));
    // Assess
    expect(result).toMatchObject({ status: 'ignored' });
    expect(await policyNames('PaymentsServiceRole')).toEqual([toolkitPolicyName('agent')]);
  });

  it('repairs a policy of our name whose content was changed by hand', async () => {
    // Prepare
    await createToolkitRole(iam, roleName);
    await handler(createRoleEvent(roleName));
    const { PutRolePolicyCommand } = await import('@aws-sdk/client-iam');
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }],
        }),
      }),
    );
    // Act
    const result = await handler(createRoleEvent(roleName));
    // Assess
    expect(result).toMatchObject({ status: 'remediated', previous: 'different' });
  });

  it('reports role-not-found when the role never appears', async () => {
    // Act
    const result = await handler(createRoleEvent(roleName));
    // Assess
    expect(result).toMatchObject({ status: 'role-not-found', roleName });
  });
});
