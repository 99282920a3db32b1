import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRoleEvent } from '../../support/events.js';

const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const iamMock = mockClient(IAMClient);
let handler: typeof import('../../../handlers/remediate.js').handler;
let output: string[];

/** Powertools writes logs and EMF metrics as JSON lines (errors on stderr). */
const logLines = (level: string) =>
  output
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.level === level);

beforeAll(async () => {
  vi.stubEnv('ROLE_PREFIXES', 'AmazonBedrockAgentCoreSDKRuntime-');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  ({ handler } = await import('../../../handlers/remediate.js'));
});

beforeEach(() => {
  iamMock.reset();
  output = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('remediate handler', () => {
  it('logs one structured error for a malformed event and returns without throwing', async () => {
    // Act
    const result = await handler({ hello: 'world' });
    // Assess
    expect(result).toEqual({ status: 'rejected' });
    expect(logLines('ERROR')).toHaveLength(1);
    expect(logLines('ERROR')[0]).toMatchObject({ message: 'event rejected', reason: 'malformed' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('skips a CreateRole that failed, without calling IAM', async () => {
    // Act
    const result = await handler(createRoleEvent(roleName, { errorCode: 'AccessDenied' }));
    // Assess
    expect(result).toEqual({ status: 'skipped-failed-call' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('logs the event id, role, outcome and duration of a remediation', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(Object.assign(new Error('x'), { name: 'NoSuchEntityException' }));
    iamMock.on(PutRolePolicyCommand).resolves({});
    const { GetRoleCommand, ListRolePoliciesCommand } = await import('@aws-sdk/client-iam');
    iamMock.on(GetRoleCommand).resolves({
      Role: {
        RoleName: roleName,
        Arn: `arn:aws:iam::123456789012:role/${roleName}`,
        Path: '/',
        RoleId: 'R',
        CreateDate: new Date(),
      },
    });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    // Act
    const result = await handler(createRoleEvent(roleName, { id: 'evt-42' }));
    // Assess
    expect(result).toMatchObject({ status: 'remediated' });
    expect(logLines('INFO')[0]).toMatchObject({ eventId: 'evt-42', role: roleName, outcome: 'remediated' });
    expect(logLines('INFO')[0]?.durationMs).toEqual(expect.any(Number));
    expect(output.join('')).toContain('"Remediated"');
  });

  it('throws a transient AWS failure so that Lambda retries the event', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    // Act
    const attempt = handler(createRoleEvent(roleName));
    // Assess
    await expect(attempt).rejects.toThrow('Rate exceeded');
    expect(logLines('ERROR')[0]).toMatchObject({ message: 'remediation failed', errorName: 'Throttling' });
    expect(output.join('')).toContain('"Failed"');
  });

  it('never calls IAM for a role outside the prefixes', async () => {
    // Act
    const result = await handler(createRoleEvent('ProductionDatabaseAdmin'));
    // Assess
    expect(result).toEqual({ status: 'ignored', roleName: 'ProductionDatabaseAdmin' });
    expect(iamMock.calls()).toHaveLength(0);
  });
});
