import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const iamMock = mockClient(IAMClient);
const prefix = 'AmazonBedrockAgentCoreSDKRuntime-';
const arn = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const roles = (names: string[]) => ({
  Roles: names.map((n) => ({ RoleName: n, Arn: arn(n), Path: '/', RoleId: 'x', CreateDate: new Date() })),
});
const noSuchEntity = () => Object.assign(new Error('not found'), { name: 'NoSuchEntityException' });

/** The handler reads its settings at import: load it fresh with the environment each test sets. */
async function loadHandler() {
  vi.resetModules();
  const observability = await import('../../../src/observability.js');
  const addMetric = vi.spyOn(observability.metrics, 'addMetric');
  vi.spyOn(observability.metrics, 'publishStoredMetrics').mockImplementation(() => observability.metrics);
  vi.spyOn(observability.logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(observability.logger, 'error').mockImplementation(() => undefined);
  const module = await import('../../../handlers/reconcile.js');
  return { ...module, addMetric };
}

describe('reconcile handler', () => {
  beforeEach(() => {
    iamMock.reset();
    vi.stubEnv('ROLE_PREFIXES', prefix);
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(PutRolePolicyCommand).resolves({});
  });
  afterEach(() => vi.unstubAllEnvs());

  it('fixes every matching role and emits a metric per outcome, failures and duration', async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves(roles([`${prefix}a`, `${prefix}b`, 'other']));
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => ({
      Role: { RoleName, Arn: arn(RoleName), Path: '/', RoleId: 'x', CreateDate: new Date() },
    }));
    const { handler, addMetric } = await loadHandler();

    // Act
    const summary = await handler({});

    // Assess
    expect(summary.counts.remediated).toBe(2);
    expect(addMetric).toHaveBeenCalledWith('Remediated', 'Count', 2);
    expect(addMetric).toHaveBeenCalledWith('Compliant', 'Count', 0);
    expect(addMetric).toHaveBeenCalledWith('Failed', 'Count', 0);
    expect(addMetric).toHaveBeenCalledWith('ReconcileDuration', 'Milliseconds', expect.any(Number));
  });

  it('handles the other roles, then fails the run when one role failed', async () => {
    // Prepare
    vi.stubEnv('SWEEP_CONCURRENCY', '1');
    iamMock.on(ListRolesCommand).resolves(roles([`${prefix}broken`, `${prefix}fine`]));
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock
      .on(GetRoleCommand, { RoleName: `${prefix}broken` })
      .rejects(Object.assign(new Error('boom'), { name: 'ServiceFailure' }));
    iamMock.on(GetRoleCommand, { RoleName: `${prefix}fine` }).resolves({
      Role: { RoleName: `${prefix}fine`, Arn: arn(`${prefix}fine`), Path: '/', RoleId: 'x', CreateDate: new Date() },
    });
    const { handler, addMetric, ReconcileFailedError } = await loadHandler();

    // Act
    const run = handler({});

    // Assess
    await expect(run).rejects.toBeInstanceOf(ReconcileFailedError);
    await expect(run).rejects.toThrow(`${prefix}broken: boom`);
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: `${prefix}fine` });
    expect(addMetric).toHaveBeenCalledWith('Failed', 'Count', 1);
  });
});
