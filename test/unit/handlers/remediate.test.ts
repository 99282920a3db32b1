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
import { createRemediateHandler } from '../../../handlers/remediate.js';
import { loadConfig } from '../../../src/config.js';
import { createRoleEvent } from '../../support/events.js';
import { describedRole, noSuchEntity, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';
import { lambdaContext } from '../../support/lambda.js';
import { captureOutput } from '../../support/output.js';

const roleName = `${TOOLKIT_PREFIX}us-west-2-0123456789`;
const iamMock = mockClient(IAMClient);
const output = captureOutput();
const handler = createRemediateHandler({
  config: loadConfig({ AWS_REGION: 'us-east-1' }),
  iam: new IAMClient({ region: 'us-east-1' }),
});

beforeEach(() => iamMock.reset());

describe('remediate handler', () => {
  it('logs one structured error for a malformed event and returns without throwing', async () => {
    // Act
    const result = await handler({ hello: 'world' }, lambdaContext());
    // Assess
    expect(result).toEqual({ status: 'rejected' });
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
    iamMock.on(GetRolePolicyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    // Act
    const attempt = handler(createRoleEvent(roleName), lambdaContext());
    // Assess
    await expect(attempt).rejects.toThrow('Rate exceeded');
    expect(output.lines('ERROR')[0]).toMatchObject({ message: 'remediation failed', errorName: 'Throttling' });
    expect(output.text).toContain('"Failed"');
  });

  it('never calls IAM for a role outside the prefixes', async () => {
    // Act
    const result = await handler(createRoleEvent('ProductionDatabaseAdmin'), lambdaContext());
    // Assess
    expect(result).toEqual({ status: 'ignored', roleName: 'ProductionDatabaseAdmin' });
    expect(iamMock.calls()).toHaveLength(0);
  });
});
