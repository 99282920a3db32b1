import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createRemediateHandler, remediateDeps } from '../../../handlers/remediate/index.js';
import type { Notifier } from '../../../src/alerts/notifier.js';
import type { AlertSubject } from '../../../src/alerts/state.js';
import { loadConfig } from '../../../src/config.js';
import { metrics } from '../../../src/observability.js';
import { createRoleEvent, rolePolicyEvent } from '../../support/events.js';
import { describedRole, noSuchEntity, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';
import { lambdaContext } from '../../support/lambda.js';
import { captureOutput } from '../../support/output.js';

const roleName = `${TOOLKIT_PREFIX}us-west-2-0123456789`;
const iamMock = mockClient(IAMClient);
const output = captureOutput();
const handler = createRemediateHandler(remediateDeps(loadConfig({ AWS_REGION: 'us-east-1' })));

beforeEach(() => iamMock.reset());

describe('remediate handler', () => {
  it('logs one structured error for a malformed event and returns without throwing', async () => {
    // Act
    const result = await handler({ hello: 'world' }, lambdaContext());
    // Assess
    expect(result).toEqual({ status: 'rejected', reason: 'malformed' });
    expect(output.lines('ERROR')).toHaveLength(1);
    expect(output.lines('ERROR')[0]).toMatchObject({ message: 'event rejected', reason: 'malformed' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('skips a CreateRole that failed, without calling IAM', async () => {
    // Act
    const result = await handler(createRoleEvent(roleName, { errorCode: 'AccessDenied' }), lambdaContext());
    // Assess
    expect(result).toEqual({ status: 'skipped-failed-call' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('logs the event id, role, outcome and duration of a remediation, with the invocation context', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(PutRolePolicyCommand).resolves({});
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName) });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    const context = lambdaContext();
    // Act
    const result = await handler(createRoleEvent(roleName, { id: 'evt-42' }), context);
    // Assess
    expect(result).toMatchObject({ status: 'remediated' });
    const [finished] = output.lines('INFO');
    expect(finished).toMatchObject({ eventId: 'evt-42', role: roleName, outcome: 'remediated' });
    expect(finished).toMatchObject({ function_request_id: context.awsRequestId });
    expect(finished?.durationMs).toEqual(expect.any(Number));
    expect(output.text).toContain('"Remediated"');
  });

  it('throws a transient AWS failure so that Lambda retries the event', async () => {
    // Prepare
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Tags: [] }) });
    iamMock.on(GetRolePolicyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    // Act
    const attempt = handler(createRoleEvent(roleName), lambdaContext());
    // Assess
    await expect(attempt).rejects.toThrow('Rate exceeded');
    expect(output.lines('ERROR')[0]).toMatchObject({ message: 'remediation failed', errorName: 'Throttling' });
    expect(output.text).toContain('"Failed"');
  });

  it("refuses an event of another account than the function's own, without calling IAM", async () => {
    // Act
    const result = await handler(createRoleEvent(roleName, { account: '999999999999' }), lambdaContext());
    // Assess
    expect(result).toEqual({ status: 'rejected', reason: 'foreign-account' });
    expect(output.lines('ERROR')[0]).toMatchObject({ reason: 'foreign-account', account: '999999999999' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('logs one bounded line for an event carrying a 200 KB role name', async () => {
    // Act
    await handler(createRoleEvent(`${TOOLKIT_PREFIX}${'x'.repeat(200_000)}`), lambdaContext());
    // Assess
    const rejected = output.text.split('\n').filter((line) => line.includes('event rejected'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.length).toBeLessThan(4_000);
  });

  it('never calls IAM for a role outside the prefixes', async () => {
    // Act
    const result = await handler(createRoleEvent('ProductionDatabaseAdmin'), lambdaContext());
    // Assess
    expect(result).toEqual({ status: 'ignored', roleName: 'ProductionDatabaseAdmin' });
    expect(iamMock.calls()).toHaveLength(0);
  });
});

describe('remediate handler: a role that is not ours', () => {
  const alerted: AlertSubject[] = [];
  const notifier: Notifier = {
    notify: async (subject) => {
      alerted.push(subject);
      return { action: 'published', kind: 'failing' };
    },
  };
  const withAlerts = createRemediateHandler({ ...remediateDeps(loadConfig({ AWS_REGION: 'us-east-1' })), notifier });

  beforeEach(() => {
    alerted.length = 0;
  });

  it('answers untrusted, warns, counts it and alerts once, writing nothing', async () => {
    // Prepare: a prefixed role someone made to trust their own account.
    iamMock.on(GetRoleCommand).resolves({
      Role: describedRole(roleName, {
        Tags: [],
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' },
            ],
          }),
        ),
      }),
    });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    // Act
    const result = await withAlerts(createRoleEvent(roleName), lambdaContext());
    // Assess
    expect(result).toMatchObject({ status: 'untrusted', roleName });
    expect(output.lines('WARN')[0]).toMatchObject({ message: 'remediation finished', outcome: 'untrusted' });
    expect(output.text).toContain('"Untrusted"');
    expect(alerted.map((a) => [a.key, a.status, a.reason])).toEqual([
      [`role:AROAEXAMPLEROLEID000`, 'failing', 'untrusted'],
    ]);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('counts the alert SNS took as AlertPublished', async () => {
    // Prepare
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Path: '/team/', Tags: [] }) });
    const addMetric = vi.spyOn(metrics, 'addMetric');
    // Act
    await withAlerts(createRoleEvent(roleName), lambdaContext());
    // Assess
    expect(addMetric).toHaveBeenCalledWith('AlertPublished', 'Count', 1);
  });

  it('answers unsupported-path for a prefixed role at a path, and alerts', async () => {
    // Prepare
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Path: '/team/', Tags: [] }) });
    // Act
    const result = await withAlerts(createRoleEvent(roleName), lambdaContext());
    // Assess
    expect(result).toMatchObject({ status: 'unsupported-path', path: '/team/' });
    expect(alerted.map((a) => a.reason)).toEqual(['unsupported-path']);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});

describe('remediate handler: what a write leaves in the log', () => {
  /** The least-privilege grant, written out from the requirement. */
  const CODE_INTERPRETER_ACTIONS = [
    'bedrock-agentcore:StartCodeInterpreterSession',
    'bedrock-agentcore:InvokeCodeInterpreter',
    'bedrock-agentcore:StopCodeInterpreterSession',
    'bedrock-agentcore:GetCodeInterpreterSession',
    'bedrock-agentcore:ListCodeInterpreterSessions',
  ];
  const policyWritten = () => output.lines('INFO').filter((line) => line.message === 'policy written');

  beforeEach(() => {
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(roleName, { Tags: [] }) });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(PutRolePolicyCommand).resolves({});
  });

  it('logs the write with the role, the event that caused it, the change it made and how to undo it', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    // Act
    await handler(createRoleEvent(roleName, { id: 'evt-7' }), lambdaContext());
    // Assess
    expect(policyWritten()).toEqual([
      expect.objectContaining({
        action: 'PutRolePolicy',
        role: roleName,
        policyName: 'CodeInterpreterAccess',
        reason: 'CreateRole',
        eventId: 'evt-7',
        previous: 'absent',
        change: {
          actions: { added: CODE_INTERPRETER_ACTIONS, removed: [] },
          resources: { added: ['arn:aws:bedrock-agentcore:*:aws:code-interpreter/*'], removed: [] },
          conditions: { added: [], removed: [], changed: [] },
          other: [],
        },
        undo:
          `aws iam tag-role --role-name ${roleName} --tags Key=agentcore-guard:exclude,Value=true; ` +
          `aws iam delete-role-policy --role-name ${roleName} --policy-name CodeInterpreterAccess`,
      }),
    ]);
  });

  it('names the drift event as the reason when it puts our policy back', async () => {
    // Prepare: someone replaced our policy with a grant of everything.
    const replaced = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    iamMock.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(JSON.stringify(replaced)) });
    // Act
    await handler(rolePolicyEvent('PutRolePolicy', roleName), lambdaContext());
    // Assess
    expect(policyWritten()).toEqual([
      expect.objectContaining({
        reason: 'PutRolePolicy',
        previous: 'different',
        change: expect.objectContaining({ actions: { added: CODE_INTERPRETER_ACTIONS, removed: ['*'] } }),
      }),
    ]);
  });

  it('logs no write when nothing was written', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    const dryRun = createRemediateHandler(remediateDeps(loadConfig({ AWS_REGION: 'us-east-1', DRY_RUN: 'true' })));
    // Act
    const result = await dryRun(createRoleEvent(roleName), lambdaContext());
    // Assess
    expect(result).toMatchObject({ status: 'would-remediate' });
    expect(policyWritten()).toEqual([]);
    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });

  it('keeps the line short when the policy it replaced was long, saying how much it left out', async () => {
    // Prepare: a previous document with 400 long action names.
    const actions = Array.from({ length: 400 }, (_, i) => `s3:${'Get'.repeat(20)}${i}`);
    const previous = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] };
    iamMock.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(JSON.stringify(previous)) });
    // Act
    await handler(createRoleEvent(roleName), lambdaContext());
    // Assess
    const [line] = output.text.split('\n').filter((l) => l.includes('"policy written"'));
    const removed = (policyWritten()[0]!.change as { actions: { removed: string[] } }).actions.removed;
    expect(removed).toHaveLength(21);
    expect(removed.at(-1)).toBe('…and 380 more');
    expect(line?.length).toBeLessThan(4_000);
  });
});
