import { beforeAll, describe, expect, it } from 'vitest';
import { createSnsClient } from '../../src/aws/alert-clients.js';
import { createCloudTrailClient, createEventBridgeClient, createStsClient } from '../../src/aws/clients.js';
import { checkDeployment, type DeploymentDeps } from '../../src/deployment/checks.js';
import { createDeployment, HEALTHY } from '../support/deployment.js';
import { useMoto } from '../support/use-moto.js';

let deps: DeploymentDeps;
const names = { service: 'agentcore-guard', stage: 'dev' };

describe('doctor against moto', () => {
  useMoto();
  beforeAll(() => {
    deps = {
      cloudTrail: createCloudTrailClient(),
      eventBridge: createEventBridgeClient(),
      sns: createSnsClient(),
      sts: createStsClient(),
    };
  });

  it('passes every check for a healthy deployment', async () => {
    // Prepare
    await createDeployment(HEALTHY);

    // Act
    const report = await checkDeployment(deps, names);

    // Assess
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report).toMatchObject({ ok: true, account: '123456789012', stage: 'dev' });
  });

  it('fails every check in an empty account, each with a fix', async () => {
    // Act
    const report = await checkDeployment(deps, names);

    // Assess
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.id, c.ok])).toEqual([
      ['trail', false],
      ['rules', false],
      ['alerts-topic', false],
    ]);
    expect(report.checks.every((c) => (c.fix ?? '').length > 0)).toBe(true);
    expect(report.checks[0]?.fix).toContain('aws cloudtrail create-trail');
  });

  it('names a trail that is not logging, a disabled rule and an unsubscribed topic', async () => {
    // Prepare
    await createDeployment({
      trail: { logging: false },
      rules: { names: HEALTHY.rules?.names ?? [], disabled: ['agentcore-guard-dev-role-policy-drift'] },
      topic: { name: 'agentcore-guard-dev-alerts', subscribed: false },
    });

    // Act
    const report = await checkDeployment(deps, names);

    // Assess
    const [trail, rules, topic] = report.checks;
    expect(trail).toMatchObject({ ok: false, detail: 'management-events is not logging' });
    expect(trail?.fix).toContain('aws cloudtrail start-logging --name management-events');
    expect(rules).toMatchObject({ ok: false, detail: 'agentcore-guard-dev-role-policy-drift is disabled' });
    expect(rules?.fix).toBe('aws events enable-rule --name agentcore-guard-dev-role-policy-drift --region us-east-1');
    expect(topic).toMatchObject({ ok: false });
    expect(topic?.detail).toContain('no one is subscribed');
  });

  it('fails the trail check when its selectors record read-only management events', async () => {
    // Prepare
    await createDeployment({ ...HEALTHY, trail: { logging: true, readOnlySelectors: true } });

    // Act
    const report = await checkDeployment(deps, names);

    // Assess
    expect(report.checks[0]).toMatchObject({
      ok: false,
      detail: 'management-events does not record management write events',
    });
    expect(report.checks.slice(1).every((c) => c.ok)).toBe(true);
  });
});
