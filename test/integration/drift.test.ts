import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRemediateHandler, remediateDeps } from '../../handlers/remediate/index.js';
import { createIamClient } from '../../src/aws/clients.js';
import { errorName } from '../../src/aws/errors.js';
import { loadConfig } from '../../src/config.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { createRoleEvent, rolePolicyEvent } from '../support/events.js';
import { createRoles } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { captureOutput } from '../support/output.js';
import { useMoto } from '../support/use-moto.js';

const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-drift0001';

useMoto();
let iam: IAMClient;

/** What the create-role and drift rules deliver for the role under test. */
const eventFor = (eventName: 'CreateRole' | 'PutRolePolicy' | 'DeleteRolePolicy', id: string) =>
  eventName === 'CreateRole' ? createRoleEvent(roleName, { id }) : rolePolicyEvent(eventName, roleName, { id });

/** The remediate handler as deployed, with IAM writes counted on the way through. */
function remediateCountingWrites() {
  const remediate = createRemediateHandler(remediateDeps(loadConfig(process.env)));
  const send = vi.spyOn(IAMClient.prototype, 'send');
  const puts = () => send.mock.calls.filter(([command]) => command instanceof PutRolePolicyCommand).length;
  const handler = async (event: unknown) => (await remediate(event, lambdaContext())) as { status: string };
  return { handler, puts };
}

describe('drift self-heal against moto', () => {
  captureOutput();
  beforeAll(() => {
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 3 });
  });
  beforeEach(async () => {
    await createRoles(iam, [roleName]);
  });

  it('answers the PutRolePolicy event of its own write with compliant and no further write, so it cannot loop', async () => {
    // Prepare
    const { handler, puts } = remediateCountingWrites();
    const created = await handler(eventFor('CreateRole', 'e-create'));
    const writesAfterCreate = puts();

    // Act
    const echoed = await handler(eventFor('PutRolePolicy', 'e-own-write'));

    // Assess
    expect(created.status).toBe('remediated');
    expect(writesAfterCreate).toBe(1);
    expect(echoed.status).toBe('compliant');
    expect(puts()).toBe(1);
  });

  it('puts the policy back when someone deletes it', async () => {
    // Prepare
    const { handler } = remediateCountingWrites();
    await handler(eventFor('CreateRole', 'e-create'));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }));

    // Act
    const healed = await handler(eventFor('DeleteRolePolicy', 'e-delete'));

    // Assess
    expect(healed).toMatchObject({ status: 'remediated', previous: 'absent' });
    const { PolicyDocument: raw = '' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }),
    );
    expect(decodePolicyDocument(raw).Statement).toMatchObject([{ Sid: 'AgentCoreGuardCodeInterpreter' }]);
  });

  it('restores our document when someone overwrites it, and the echo of that repair writes nothing', async () => {
    // Prepare
    const { handler, puts } = remediateCountingWrites();
    await handler(eventFor('CreateRole', 'e-create'));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const before = puts();

    // Act
    const repaired = await handler(eventFor('PutRolePolicy', 'e-tamper'));
    const echo = await handler(eventFor('PutRolePolicy', 'e-repair-echo'));

    // Assess
    expect(repaired).toMatchObject({ status: 'remediated', previous: 'different' });
    expect(echo.status).toBe('compliant');
    expect(puts() - before).toBe(1); // exactly one repair, none for its echo
  });
});

describe('undoing a write as its log line says (docs/operations.md), against moto', () => {
  const output = captureOutput();
  const run = promisify(execFile);
  const policyWritten = () => output.lines('INFO').filter((line) => line.message === 'policy written');
  const ourPolicy = async () => {
    try {
      const { PolicyDocument = '' } = await iam.send(
        new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }),
      );
      return decodePolicyDocument(PolicyDocument);
    } catch (error) {
      if (errorName(error) === 'NoSuchEntityException' || errorName(error) === 'NoSuchEntity') return undefined;
      throw error;
    }
  };
  /** Runs logged AWS CLI commands as a person would paste them, against the emulator (AWS_ENDPOINT_URL). */
  const inShell = (commands: string) =>
    run('sh', ['-c', commands], { env: { ...process.env, AWS_DEFAULT_REGION: process.env.AWS_REGION } });

  beforeAll(() => {
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 3 });
  });
  beforeEach(async () => {
    await createRoles(iam, [roleName]);
  });

  it('takes back a first write with the logged commands, and the drift event of that delete writes nothing', async () => {
    // Prepare
    const { handler, puts } = remediateCountingWrites();
    await handler(eventFor('CreateRole', 'e-create'));
    const [written] = policyWritten();
    // Act
    await inShell(String(written?.undo));
    const echo = await handler(eventFor('DeleteRolePolicy', 'e-undo'));
    // Assess
    expect(written).toMatchObject({ role: roleName, reason: 'CreateRole', previous: 'absent' });
    expect(echo.status).toBe('excluded');
    expect(puts()).toBe(1);
    expect(await ourPolicy()).toBeUndefined();
  });

  it('puts back the document a repair replaced once the role is tagged out of scope, and the guard leaves it', async () => {
    // Prepare: a hand-written document of our policy's name, then the guard's repair of it.
    const handWritten = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'bedrock-agentcore:*', Resource: '*' }],
    };
    const { handler, puts } = remediateCountingWrites();
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: JSON.stringify(handWritten),
      }),
    );
    await handler(eventFor('PutRolePolicy', 'e-hand'));
    const [written] = policyWritten();
    const tagOutOfScope = String(written?.undo).split(';')[0] ?? '';
    // Act: the tag the line gives, then the previous document (CloudTrail's requestParameters.policyDocument).
    await inShell(tagOutOfScope);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: JSON.stringify(handWritten),
      }),
    );
    const before = puts();
    const echo = await handler(eventFor('PutRolePolicy', 'e-restore'));
    // Assess
    expect(written).toMatchObject({
      previous: 'different',
      change: expect.objectContaining({ actions: expect.objectContaining({ removed: ['bedrock-agentcore:*'] }) }),
    });
    expect(tagOutOfScope).toMatch(/^aws iam tag-role /);
    expect(echo.status).toBe('excluded');
    expect(puts()).toBe(before);
    expect(await ourPolicy()).toEqual(handWritten);
  });
});
