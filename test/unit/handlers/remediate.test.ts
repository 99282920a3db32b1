import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRemediateHandler, remediateDeps } from '../../../handlers/remediate/index.js';
import type { Notifier } from '../../../src/alerts/notifier.js';
import type { AlertSubject } from '../../../src/alerts/state.js';
import { loadConfig } from '../../../src/config.js';
import { createRoleEvent } from '../../support/events.js';
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
