import { Readable } from 'node:stream';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHealthCheckHandler, healthCheckDeps } from '../../handlers/healthcheck/index.js';
import { createReconcileHandler, reconcileDeps } from '../../handlers/reconcile/index.js';
import { createRemediateHandler, remediateDeps } from '../../handlers/remediate/index.js';
import { createRuntimesHandler, runtimesDeps } from '../../handlers/runtimes/index.js';
import { loadConfig } from '../../src/config.js';
import { MANAGED_INTERPRETER_ACTIONS } from '../../src/policy/profiles.js';
import { SEED_AFTER, SEED_BEFORE } from '../fixtures/seed-transcripts.js';
import { type EmittedMetric, emittedMetrics } from './alert-fixtures.js';
import { apiCallEvent, createRoleEvent } from './events.js';
import { ACCOUNT, describedRole, noSuchEntity, TOOLKIT_PREFIX } from './iam-fixtures.js';
import { lambdaContext } from './lambda.js';

/**
 * What the functions really emit: each handler run in-process over the situations that make it emit each of its
 * metrics (every outcome, failure, verdict and alert path), with AWS answered by aws-sdk-client-mock, and the EMF
 * lines it writes read back. The dashboard's widgets are held against this (test/integration/template.test.ts).
 */
export async function metricsTheFunctionsEmit(): Promise<EmittedMetric[]> {
  const mocks = mockAws();
  const lines: string[] = [];
  try {
    for (const scenario of [remediateRuns, reconcileRuns, runtimesRuns, healthCheckRuns]) {
      for (const mock of Object.values(mocks)) mock.reset();
      lines.push(...(await written(() => scenario(mocks))));
    }
  } finally {
    for (const mock of Object.values(mocks)) mock.restore();
  }
  return emittedMetrics(
    lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

const mockAws = () => ({
  iam: mockClient(IAMClient),
  control: mockClient(BedrockAgentCoreControlClient),
  agentCore: mockClient(BedrockAgentCoreClient),
  ddb: mockClient(DynamoDBClient),
  sns: mockClient(SNSClient),
});
type Mocks = ReturnType<typeof mockAws>;

/** The lines the process writes while `run` runs (Powertools writes logs and EMF to stdout and stderr). */
async function written(run: () => Promise<void>): Promise<string[]> {
  const chunks: string[] = [];
  const { stdout, stderr } = process;
  const original = { out: stdout.write, err: stderr.write };
  const keep = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof stdout.write;
  stdout.write = keep;
  stderr.write = keep;
  try {
    await run();
  } finally {
    stdout.write = original.out;
    stderr.write = original.err;
  }
  return chunks.join('').split('\n');
}

/** A handler run whose failure is one of the situations wanted (it throws so that Lambda retries). */
async function settled(run: Promise<unknown>): Promise<void> {
  await run.catch(() => undefined);
}

const ALERTS_ENV = {
  ALERT_STATE_TABLE: 'alert-state',
  ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`,
};
const BASE_ENV = {
  AWS_REGION: 'us-east-1',
  ROLE_PREFIXES: TOOLKIT_PREFIX,
  ROLE_NOT_FOUND_RETRY_SECONDS: '1',
  IAM_MAX_ATTEMPTS: '1',
  ...ALERTS_ENV,
};
const role = (name: string) => `${TOOLKIT_PREFIX}${name}`;
const impostorTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }],
});

/** IAM as a role of each kind answers: absent policy (a write is due), trust, path, exclusion, gone. */
function answerRoles(iam: Mocks['iam']) {
  iam.on(GetRolePolicyCommand).rejects(noSuchEntity());
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(PutRolePolicyCommand).resolves({});
  iam.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName: string }) => {
    if (RoleName.endsWith('gone')) throw noSuchEntity();
    if (RoleName.endsWith('denied')) throw Object.assign(new Error('not allowed'), { name: 'AccessDenied' });
    if (RoleName.endsWith('slow')) return new Promise((resolve) => setTimeout(() => resolve({}), 50));
    if (RoleName.endsWith('impostor')) {
      return { Role: describedRole(RoleName, { AssumeRolePolicyDocument: encodeURIComponent(impostorTrust) }) };
    }
    if (RoleName.endsWith('pathed')) {
      return {
        Role: describedRole(RoleName, { Path: '/team/', Arn: `arn:aws:iam::${ACCOUNT}:role/team/${RoleName}` }),
      };
    }
    if (RoleName.endsWith('excluded')) {
      return { Role: describedRole(RoleName, { Tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] }) };
    }
    return { Role: describedRole(RoleName) };
  });
}

function answerAlerts({ ddb, sns }: Mocks, refuse?: string) {
  ddb.on(GetItemCommand).resolves({});
  ddb.on(PutItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
  sns.on(PublishCommand).callsFake(({ Message }: { Message?: string }) => {
    if (refuse && Message?.includes(refuse)) throw Object.assign(new Error('refused'), { name: 'AuthorizationError' });
    return { MessageId: 'm-1' };
  });
}

async function remediateRuns(mocks: Mocks) {
  answerRoles(mocks.iam);
  answerAlerts(mocks);
  const handler = createRemediateHandler(remediateDeps(loadConfig(BASE_ENV)));
  const dryRun = createRemediateHandler(remediateDeps(loadConfig({ ...BASE_ENV, DRY_RUN: 'true' })));
  for (const name of ['new', 'impostor', 'pathed', 'excluded', 'gone']) {
    await handler(createRoleEvent(role(name)), lambdaContext());
  }
  await handler(createRoleEvent('SomeOtherRole'), lambdaContext());
  await dryRun(createRoleEvent(role('new')), lambdaContext());
  await handler({ not: 'an event' }, lambdaContext());
  await settled(handler(createRoleEvent(role('denied')), lambdaContext()));
  // Nearly out of time, and IAM slow to answer.
  await settled(handler(createRoleEvent(role('slow')), lambdaContext({ remainingMs: 500 })));
}

async function reconcileRuns(mocks: Mocks) {
  answerRoles(mocks.iam);
  answerAlerts(mocks);
  mocks.iam.on(ListRolesCommand).resolves({
    Roles: ['new', 'impostor', 'pathed'].map((name) => describedRole(role(name))),
  });
  const handler = createReconcileHandler(reconcileDeps(loadConfig(BASE_ENV)));
  await settled(handler({}, lambdaContext({ functionName: 'agentcore-guard-dev-reconcile' })));
}

const runtimeArn = (id: string, region = 'us-west-2') => `arn:aws:bedrock-agentcore:${region}:${ACCOUNT}:runtime/${id}`;

function runtimeEvent(agentRuntimeId: string) {
  return apiCallEvent({
    source: 'aws.bedrock-agentcore',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: 'CreateAgentRuntime',
    region: 'us-west-2',
    requestParameters: { agentRuntimeName: agentRuntimeId.split('-')[0] },
    responseElements: { agentRuntimeId },
  });
}

/** The simulator's answer for every managed-interpreter action. */
const simulated = (decision: 'allowed' | 'implicitDeny') => ({
  EvaluationResults: MANAGED_INTERPRETER_ACTIONS.map((action) => ({
    EvalActionName: action,
    EvalDecision: decision,
    EvalResourceName: '*',
  })),
});

async function runtimesRuns(mocks: Mocks) {
  answerRoles(mocks.iam);
  answerAlerts(mocks);
  const roleOf: Record<string, string> = {
    'allowed-AbCdE12345': `arn:aws:iam::${ACCOUNT}:role/CdkAllowedRole`,
    'denied-AbCdE12345': `arn:aws:iam::${ACCOUNT}:role/CdkDeniedRole`,
    'foreign-AbCdE12345': 'arn:aws:iam::999999999999:role/ElsewhereRole',
    'prefixed-AbCdE12345': `arn:aws:iam::${ACCOUNT}:role/${role('new')}`,
  };
  mocks.control.on(GetAgentRuntimeCommand).callsFake(({ agentRuntimeId }: { agentRuntimeId: string }) => {
    const roleArn = roleOf[agentRuntimeId];
    if (!roleArn) throw Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    return { agentRuntimeArn: runtimeArn(agentRuntimeId), agentRuntimeName: agentRuntimeId, roleArn };
  });
  mocks.iam
    .on(SimulatePrincipalPolicyCommand)
    .callsFake(({ PolicySourceArn }: { PolicySourceArn: string }) =>
      simulated(PolicySourceArn.endsWith('CdkAllowedRole') ? 'allowed' : 'implicitDeny'),
    );
  const handler = createRuntimesHandler(runtimesDeps(loadConfig(BASE_ENV)));
  const context = () => lambdaContext({ functionName: 'agentcore-guard-dev-runtimes' });
  for (const id of Object.keys(roleOf)) await handler(runtimeEvent(id), context());
  await handler({ not: 'an event' }, context());
  await settled(handler(runtimeEvent('unreadable-AbCdE12345'), context()));
}

async function healthCheckRuns(mocks: Mocks) {
  // Each agent's role (by its name) says what the permission probe answers; its name what it replies.
  const agents = {
    healthy: SEED_AFTER,
    denied: SEED_AFTER,
    notexecuted: SEED_BEFORE,
    wrong: 'It is 392.',
    broken: undefined,
    slow: undefined,
    unsimulated: SEED_AFTER,
    untagged: SEED_AFTER,
  } as const;
  const arns = Object.keys(agents).map((name) => runtimeArn(`${name}-AbCdE12345`));
  answerRoles(mocks.iam);
  // The first alert about this agent is refused: the run fails once every agent was checked.
  answerAlerts(mocks, 'notexecuted');
  mocks.control.on(GetAgentRuntimeCommand).callsFake(({ agentRuntimeId }: { agentRuntimeId: string }) => {
    const name = agentRuntimeId.split('-')[0] ?? '';
    return { agentRuntimeName: name, roleArn: `arn:aws:iam::${ACCOUNT}:role/${role(name)}`, status: 'READY' };
  });
  mocks.control.on(ListTagsForResourceCommand).callsFake(({ resourceArn }: { resourceArn: string }) => {
    if (resourceArn.includes('untagged')) throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    return { tags: {} };
  });
  mocks.iam.on(SimulatePrincipalPolicyCommand).callsFake(({ PolicySourceArn }: { PolicySourceArn: string }) => {
    if (PolicySourceArn.endsWith('unsimulated')) throw Object.assign(new Error('no'), { name: 'AccessDenied' });
    return simulated(PolicySourceArn.endsWith('denied') ? 'implicitDeny' : 'allowed');
  });
  mocks.agentCore.on(InvokeAgentRuntimeCommand).callsFake(({ agentRuntimeArn }: { agentRuntimeArn: string }) => {
    const name = (agentRuntimeArn.split('/')[1] ?? '').split('-')[0] as keyof typeof agents;
    if (name === 'broken') throw Object.assign(new Error('agent crashed'), { name: 'RuntimeClientError' });
    // Never answers: the probe's timeout ends it.
    if (name === 'slow') return { contentType: 'application/json', response: new Readable({ read() {} }) };
    const reply = JSON.stringify({ result: agents[name] });
    return { contentType: 'application/json', response: Readable.from([Buffer.from(reply)]) };
  });
  const env = {
    ...BASE_ENV,
    AGENT_RUNTIME_ARNS: arns.join(','),
    HEALTH_PROBE: 'seed',
    PROBE_TIMEOUT_SECONDS: '1',
    SELF_HEAL: 'true',
  };
  const handler = createHealthCheckHandler(healthCheckDeps(loadConfig(env)));
  const context = (remainingMs = 900_000): Context =>
    lambdaContext({ functionName: 'agentcore-guard-dev-healthcheck', remainingMs });
  await settled(handler({ probes: 'all' }, context()));
  // Too little time left for any agent: each is skipped.
  await settled(handler({ probes: 'permission' }, context(10_000)));
  await handler({ probes: 'everything' }, context());
}
