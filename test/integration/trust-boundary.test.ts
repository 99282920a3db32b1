import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReconcileHandler, reconcileDeps } from '../../handlers/reconcile/index.js';
import { createRemediateHandler, type RemediateResult, remediateDeps } from '../../handlers/remediate/index.js';
import { loadConfig } from '../../src/config.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { createAlertInfrastructure } from '../support/alert-fixtures.js';
import { apiCallEvent, createRoleEvent } from '../support/events.js';
import {
  ACCOUNT,
  createCompliantToolkitRole,
  createToolkitRole,
  TOOLKIT_PREFIX,
  toolkitTrustPolicy,
} from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { captureOutput } from '../support/output.js';
import { useMoto } from '../support/use-moto.js';

/**
 * The trust boundary, end to end against moto: the remediate and reconcile handlers as deployed (their own clients,
 * the alert table and topic, a queue subscribed to the topic to read what a person would receive).
 */
useMoto();
const output = captureOutput();
const TABLE = 'agentcore-guard-health';
const ATTACKER = '999999999999';
let iam: IAMClient;
let sqs: SQSClient;
let queueUrl: string;
let env: NodeJS.ProcessEnv;

const trustOf = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
/** What someone with iam:CreateRole and no other right might try: a prefixed role that trusts their own account. */
const attackerTrust = trustOf([
  { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ATTACKER}:root` }, Action: 'sts:AssumeRole' },
]);

const remediate = (extra: Record<string, string> = {}) => {
  const handler = createRemediateHandler(remediateDeps(loadConfig({ ...env, ...extra })));
  return (event: unknown) => handler(event, lambdaContext()) as Promise<RemediateResult>;
};
const reconcile = () => {
  const handler = createReconcileHandler(reconcileDeps(loadConfig(env)));
  return () => handler({}, lambdaContext({ functionName: 'agentcore-guard-dev-reconcile', remainingMs: 900_000 }));
};

async function inlinePolicies(roleName: string) {
  return (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
}

async function ourPolicy(roleName: string) {
  const { PolicyDocument = '' } = await iam.send(
    new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }),
  );
  return decodePolicyDocument(PolicyDocument);
}

/** The alerts a person received since the last call: their e-mail subjects. */
async function alertsReceived(): Promise<string[]> {
  const subjects: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return subjects;
    subjects.push(...Messages.map((m) => (JSON.parse(m.Body ?? '{}') as { Subject?: string }).Subject ?? ''));
  }
}

beforeAll(() => {
  iam = new IAMClient({ region: 'us-east-1' });
  sqs = new SQSClient({ region: 'us-east-1' });
});

beforeEach(async () => {
  const infrastructure = await createAlertInfrastructure({ table: TABLE });
  queueUrl = infrastructure.queueUrl;
  env = { ...process.env, ALERT_STATE_TABLE: TABLE, ALERT_TOPIC_ARN: infrastructure.topicArn };
});

describe('a prefixed role that trusts someone else', () => {
  const roleName = `${TOOLKIT_PREFIX}evil`;

  it('is never written to, even with the seed profile, and is alerted once', async () => {
    // Prepare
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: attackerTrust }));
    const handler = remediate({ POLICY_PROFILE: 'seed' });
    // Act
    const first = await handler(createRoleEvent(roleName));
    const again = await handler(createRoleEvent(roleName));
    // Assess
    expect(first).toMatchObject({ status: 'untrusted', carriesOurPolicy: false });
    expect(again.status).toBe('untrusted');
    expect(await inlinePolicies(roleName)).toEqual([]);
    expect(await alertsReceived()).toEqual([`[agentcore-guard] UNTRUSTED ROLE: ${roleName}`]);
    expect(output.lines('WARN').some((l) => l.outcome === 'untrusted')).toBe(true);
  });

  it('is looked at again when its trust policy changes, and our policy is removed when that is switched on', async () => {
    // Prepare: a role fixed while it trusted only AgentCore; then someone adds their own account to its trust.
    await createCompliantToolkitRole(iam, roleName);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: attackerTrust }));
    const event = apiCallEvent({
      source: 'aws.iam',
      eventSource: 'iam.amazonaws.com',
      eventName: 'UpdateAssumeRolePolicy',
      requestParameters: { roleName, policyDocument: attackerTrust },
    });
    // Act
    const reported = await remediate()(event);
    const removed = await remediate({ REMOVE_FROM_UNTRUSTED: 'true' })(event);
    // Assess
    expect(reported).toMatchObject({ status: 'untrusted', carriesOurPolicy: true, removed: false });
    expect(removed).toMatchObject({ status: 'untrusted', carriesOurPolicy: true, removed: true });
    expect(await inlinePolicies(roleName)).not.toContain('CodeInterpreterAccess');
    expect(await alertsReceived()).toHaveLength(1);
  });

  it('is counted untrusted by the sweep, not compliant, though it already carries our policy', async () => {
    // Prepare
    await createCompliantToolkitRole(iam, roleName);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: attackerTrust }));
    // Act
    const first = await reconcile()();
    const second = await reconcile()();
    // Assess
    expect(first.counts).toMatchObject({ untrusted: 1, compliant: 0 });
    expect(second.counts).toMatchObject({ untrusted: 1, compliant: 0 });
    expect(await alertsReceived()).toHaveLength(1);
  });
});

describe('events that do not describe this account', () => {
  it('refuses an event of another account, leaving the local role of that name as it was', async () => {
    // Prepare: a compliant role here, and an event claiming the same name in another account.
    const roleName = `${TOOLKIT_PREFIX}shared-name`;
    await createCompliantToolkitRole(iam, roleName);
    const before = await ourPolicy(roleName);
    // Act
    const result = await remediate()(createRoleEvent(roleName, { account: ATTACKER }));
    // Assess
    expect(result).toEqual({ status: 'rejected', reason: 'foreign-account' });
    expect(await ourPolicy(roleName)).toEqual(before);
  });

  it('writes a policy of the partition and account IAM reports, whatever partition the event claims', async () => {
    // Prepare
    const roleName = `${TOOLKIT_PREFIX}forged`;
    await createToolkitRole(iam, roleName);
    const forged = createRoleEvent(roleName, { roleArn: `arn:aws-cn:iam::${ACCOUNT}:role/${roleName}` });
    // Act
    const result = await remediate()(forged);
    // Assess
    expect(result.status).toBe('remediated');
    expect((await ourPolicy(roleName)).Statement).toMatchObject([
      { Resource: ['arn:aws:bedrock-agentcore:*:aws:code-interpreter/*'] },
    ]);
  });
});

describe('a prefixed role at a path', () => {
  const roleName = `${TOOLKIT_PREFIX}team-agent`;

  beforeEach(async () => {
    await iam.send(
      new CreateRoleCommand({ RoleName: roleName, Path: '/team/', AssumeRolePolicyDocument: toolkitTrustPolicy() }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'Toolkit',
        PolicyDocument: trustOf([{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }]),
      }),
    );
  });

  it('is not written by the event path, and is alerted once', async () => {
    // Act
    const result = await remediate()(createRoleEvent(roleName));
    // Assess
    expect(result).toMatchObject({ status: 'unsupported-path', path: '/team/' });
    expect(await inlinePolicies(roleName)).toEqual(['Toolkit']);
    expect(await alertsReceived()).toEqual([`[agentcore-guard] ROLE AT A PATH: ${roleName}`]);
  });

  it('is reported unsupported-path by every sweep, never failed, and alerted once', async () => {
    // Act
    const first = await reconcile()();
    const second = await reconcile()();
    // Assess
    for (const run of [first, second]) {
      expect(run.counts['unsupported-path']).toBe(1);
      expect(run.failed).toBe(0);
    }
    expect(await inlinePolicies(roleName)).toEqual(['Toolkit']);
    expect(await alertsReceived()).toHaveLength(1);
  });
});

describe('what an event can make the handler log', () => {
  it('is one bounded log line (and its metric), whatever the size of the role name in the event', async () => {
    // Act
    await remediate()(createRoleEvent(`${TOOLKIT_PREFIX}${'x'.repeat(200_000)}`));
    // Assess
    const lines = output.text.split('\n').filter((line) => line.length > 0);
    expect(lines.filter((line) => line.includes('event rejected'))).toHaveLength(1);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(4_000);
  });
});
