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
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createReconcileHandler, ReconcileFailedError, reconcileDeps } from '../../../handlers/reconcile/index.js';
import { loadConfig } from '../../../src/config.js';
import { metrics } from '../../../src/observability.js';
import { describedRole, noSuchEntity, TOOLKIT_PREFIX } from '../../support/iam-fixtures.js';
import { lambdaContext } from '../../support/lambda.js';
import { captureOutput } from '../../support/output.js';

const iamMock = mockClient(IAMClient);
const reconcileHandler = (env: Record<string, string> = {}) =>
  createReconcileHandler(reconcileDeps(loadConfig({ AWS_REGION: 'us-east-1', ROLE_PREFIXES: TOOLKIT_PREFIX, ...env })));
const output = captureOutput();

describe('reconcile handler', () => {
  beforeEach(() => {
    iamMock.reset();
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(PutRolePolicyCommand).resolves({});
  });

  it('fixes every matching role and emits a metric per outcome, failures and duration', async () => {
    // Prepare
    const names = [`${TOOLKIT_PREFIX}a`, `${TOOLKIT_PREFIX}b`, 'other'];
    iamMock.on(ListRolesCommand).resolves({ Roles: names.map((n) => describedRole(n)) });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => ({ Role: describedRole(RoleName) }));
    const addMetric = vi.spyOn(metrics, 'addMetric');
    // Act
    const summary = await reconcileHandler()({}, lambdaContext());
    // Assess
    expect(summary.counts.remediated).toBe(2);
    expect(addMetric).toHaveBeenCalledWith('Remediated', 'Count', 2);
    expect(addMetric).toHaveBeenCalledWith('Compliant', 'Count', 0);
    expect(addMetric).toHaveBeenCalledWith('Failed', 'Count', 0);
    expect(addMetric).toHaveBeenCalledWith('ReconcileDuration', 'Milliseconds', expect.any(Number));
  });

  it('logs each role it wrote to, with the reason sweep and the change, and no line for the others', async () => {
    // Prepare
    const [absent, gone] = [`${TOOLKIT_PREFIX}absent`, `${TOOLKIT_PREFIX}gone`];
    iamMock.on(ListRolesCommand).resolves({ Roles: [describedRole(absent), describedRole(gone)] });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock.on(GetRoleCommand, { RoleName: absent }).resolves({ Role: describedRole(absent) });
    iamMock.on(GetRoleCommand, { RoleName: gone }).rejects(noSuchEntity());
    // Act
    await reconcileHandler()({}, lambdaContext());
    // Assess
    const written = output.lines('INFO').filter((line) => line.message === 'policy written');
    expect(written).toEqual([
      expect.objectContaining({
        action: 'PutRolePolicy',
        role: absent,
        reason: 'sweep',
        previous: 'absent',
        change: expect.objectContaining({
          actions: expect.objectContaining({
            added: expect.arrayContaining(['bedrock-agentcore:InvokeCodeInterpreter']),
          }),
        }),
      }),
    ]);
  });

  it('handles the other roles, then fails the run when one role failed', async () => {
    // Prepare
    const [broken, fine] = [`${TOOLKIT_PREFIX}broken`, `${TOOLKIT_PREFIX}fine`];
    iamMock.on(ListRolesCommand).resolves({ Roles: [describedRole(broken), describedRole(fine)] });
    iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
    iamMock
      .on(GetRoleCommand, { RoleName: broken })
      .rejects(Object.assign(new Error('boom'), { name: 'ServiceFailure' }));
    iamMock.on(GetRoleCommand, { RoleName: fine }).resolves({ Role: describedRole(fine) });
    const addMetric = vi.spyOn(metrics, 'addMetric');
    // Act
    const run = reconcileHandler({ SWEEP_CONCURRENCY: '1' })({}, lambdaContext());
    // Assess
    await expect(run).rejects.toBeInstanceOf(ReconcileFailedError);
    await expect(run).rejects.toThrow(`${broken}: boom`);
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: fine });
    expect(addMetric).toHaveBeenCalledWith('Failed', 'Count', 1);
  });
});
