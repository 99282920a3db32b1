import { EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSnsClient } from '../../src/aws/alert-clients.js';
import { createCloudTrailClient, createEventBridgeClient } from '../../src/aws/deployment-clients.js';
import { createStsClient } from '../../src/aws/sts-client.js';
import { run } from '../../src/cli/main.js';
import { checkDeployment, type DeploymentDeps } from '../../src/deployment/checks.js';
import { captureIO } from '../support/cli-io.js';
import { createDeployment, HEALTHY } from '../support/deployment.js';
import { useMoto } from '../support/use-moto.js';

let deps: DeploymentDeps;
const names = { service: 'agentcore-guard', stage: 'dev' };
const FORWARDER = 'agentcore-guard-dev-runtime-forwarder';

describe('doctor against moto', () => {
  const moto = useMoto();
  beforeAll(() => {
    deps = {
      cloudTrail: createCloudTrailClient,
      eventBridge: createEventBridgeClient,
      sns: createSnsClient,
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
    expect(report).toMatchObject({ ok: true, account: '123456789012', stage: 'dev', regions: ['us-east-1'] });
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

  it('checks the trail and the forwarder of every other region agents run in', async () => {
    // Prepare
    await createDeployment({ ...HEALTHY, forwarders: [{ region: 'eu-west-1' }, { region: 'ap-southeast-2' }] });

    // Act
    const report = await checkDeployment(deps, {
      ...names,
      agentRegions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
    });

    // Assess
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.regions).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    expect(report.checks.map((c) => `${c.region} ${c.id}`)).toEqual([
      'us-east-1 trail',
      'us-east-1 rules',
      'us-east-1 alerts-topic',
      'eu-west-1 trail',
      'eu-west-1 forwarder',
      'ap-southeast-2 trail',
      'ap-southeast-2 forwarder',
    ]);
  });

  it('fails a region without a forwarder, with the command that deploys it', async () => {
    // Prepare
    await createDeployment({ ...HEALTHY, forwarders: [{ region: 'ap-southeast-2' }] });

    // Act
    const report = await checkDeployment(deps, { ...names, agentRegions: ['eu-west-1', 'ap-southeast-2'] });

    // Assess
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok)).toEqual([
      {
        id: 'forwarder',
        region: 'eu-west-1',
        title: 'Runtime events of eu-west-1 are forwarded to us-east-1',
        ok: false,
        detail: `no forwarder rule ${FORWARDER} in eu-west-1: runtimes created or updated there are never seen`,
        fix: 'npm run deploy:forwarders -- --stage dev --regions eu-west-1',
      },
    ]);
  });

  it('fails a region that no trail covers, saying how to make the trail multi-region', async () => {
    // Prepare
    await createDeployment({
      ...HEALTHY,
      trail: { logging: true, multiRegion: false },
      forwarders: [{ region: 'eu-west-1' }],
    });

    // Act
    const report = await checkDeployment(deps, { ...names, agentRegions: ['eu-west-1'] });

    // Assess
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed).toMatchObject([
      {
        id: 'trail',
        region: 'eu-west-1',
        detail: 'no trail covers eu-west-1, so AgentCore API calls there never reach EventBridge',
      },
    ]);
    expect(failed[0]?.fix).toContain('aws cloudtrail update-trail --name <trail> --is-multi-region-trail');
  });

  it("fails the trail checks when the trail's selectors drop AgentCore's events", async () => {
    // Prepare
    await createDeployment({
      ...HEALTHY,
      trail: { logging: true, excludeAgentCore: true },
      forwarders: [{ region: 'eu-west-1' }],
    });

    // Act
    const report = await checkDeployment(deps, { ...names, agentRegions: ['eu-west-1'] });

    // Assess
    expect(report.checks.filter((c) => !c.ok).map((c) => [c.region, c.detail])).toEqual([
      ['us-east-1', 'management-events does not record management write events of bedrock-agentcore.amazonaws.com'],
      ['eu-west-1', 'management-events does not record management write events'],
    ]);
    expect(report.checks[0]?.fix).toContain(
      'aws cloudtrail put-event-selectors --trail-name management-events --region us-east-1',
    );
  });

  it('names a disabled forwarder whose alarm reaches no one, with both fixes', async () => {
    // Prepare
    await createDeployment({
      ...HEALTHY,
      forwarders: [{ region: 'eu-west-1', disabled: true, alarmSubscribed: false }],
    });

    // Act
    const report = await checkDeployment(deps, { ...names, agentRegions: ['eu-west-1'] });

    // Assess
    const forwarder = report.checks.find((c) => c.id === 'forwarder');
    expect(forwarder).toMatchObject({
      ok: false,
      detail:
        `${FORWARDER} is disabled; no one is subscribed to ${FORWARDER}-alarms: ` +
        'an event that cannot be forwarded reaches no one',
      fix:
        `aws events enable-rule --name ${FORWARDER} --region eu-west-1; ` +
        'npm run deploy:forwarders -- --stage dev --regions eu-west-1 --alert-email you@example.com',
    });
  });

  it("fails a forwarder whose rule no longer matches this version's runtime events", async () => {
    // Prepare
    await createDeployment({ ...HEALTHY, forwarders: [{ region: 'eu-west-1' }] });
    await new EventBridgeClient({ region: 'eu-west-1' }).send(
      new PutRuleCommand({
        Name: FORWARDER,
        EventPattern: JSON.stringify({
          source: ['aws.bedrock-agentcore'],
          detail: { eventName: ['CreateAgentRuntime'] },
        }),
      }),
    );

    // Act
    const report = await checkDeployment(deps, { ...names, agentRegions: ['eu-west-1'] });

    // Assess
    expect(report.checks.find((c) => c.id === 'forwarder')).toMatchObject({
      ok: false,
      detail: `${FORWARDER} does not match this version's runtime events`,
      fix: 'npm run deploy:forwarders -- --stage dev --regions eu-west-1',
    });
  });

  describe('the doctor command', () => {
    const env = () => ({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    });

    it('checks the regions of --regions, one line each, with the fix under a failed check', async () => {
      // Prepare
      await createDeployment({ ...HEALTHY, forwarders: [{ region: 'ap-southeast-2' }] });
      const output = captureIO({ env: env() });

      // Act
      const code = await run(['doctor', '--regions', 'eu-west-1,ap-southeast-2'], output.io);

      // Assess
      expect(code).toBe(1);
      const lines = output.stdout().split('\n');
      expect(lines[0]).toBe('Account 123456789012, stage dev, regions us-east-1, eu-west-1, ap-southeast-2');
      expect(lines.filter((l) => l.startsWith('ok  '))).toHaveLength(6);
      expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([
        `FAIL  Runtime events of eu-west-1 are forwarded to us-east-1: no forwarder rule ${FORWARDER} in eu-west-1: runtimes created or updated there are never seen`,
      ]);
      expect(lines).toContain('      fix: npm run deploy:forwarders -- --stage dev --regions eu-west-1');
    });

    it('reads the regions agents run in from AGENT_REGIONS when --regions is not given', async () => {
      // Prepare
      await createDeployment(HEALTHY);
      const output = captureIO({ env: { ...env(), AGENT_REGIONS: 'us-east-1,eu-west-1' } });

      // Act
      const code = await run(['doctor', '--json'], output.io);

      // Assess
      expect(code).toBe(1);
      expect(JSON.parse(output.stdout())).toMatchObject({ ok: false, regions: ['us-east-1', 'eu-west-1'] });
    });

    it('refuses --regions that are not regions, before any AWS call', async () => {
      // Prepare
      const output = captureIO({ env: { ...env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });

      // Act
      const code = await run(['doctor', '--regions', 'eu-west-1,Ireland'], output.io);

      // Assess
      expect(code).toBe(2);
      expect(output.stderr()).toContain(
        '--regions "eu-west-1,Ireland" is not valid: expected comma-separated AWS regions',
      );
      expect(output.stdout()).toBe('');
    });
  });
});
