import {
  BedrockAgentCoreControlClient,
  CreateAgentRuntimeCommand,
  UpdateAgentRuntimeCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRuntimesHandler, type RuntimesResult, runtimesDeps } from '../../handlers/runtimes/index.js';
import { loadConfig } from '../../src/config.js';
import { createAlertInfrastructure } from '../support/alert-fixtures.js';
import { apiCallEvent } from '../support/events.js';
import { ACCOUNT, createToolkitRole, TOOLKIT_PREFIX, toolkitTrustPolicy } from '../support/iam-fixtures.js';
import { startIamSimulator } from '../support/iam-simulator.js';
import { lambdaContext } from '../support/lambda.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
import { captureOutput } from '../support/output.js';

/**
 * Every runtime, whatever its role is called: the runtimes handler against moto's bedrock-agentcore-control (runtimes
 * in two regions) and IAM, with IAM's policy simulator (which moto lacks) answered by a local fake in front of moto
 * (test/support/iam-simulator.ts) that evaluates the role's own policies.
 */
captureOutput();
const TABLE = 'agentcore-guard-alert-state';
let moto: MotoServer;
let simulator: Awaited<ReturnType<typeof startIamSimulator>>;
let iam: IAMClient;
let sqs: SQSClient;
let queueUrl: string;
let env: NodeJS.ProcessEnv;

/** How the AgentCore CLI's CDK constructs name a runtime role: generated, no prefix, owned by a stack. */
const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ0123456';
const LEAST_PRIVILEGE_ACTIONS = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
];

const control = (region: string) => new BedrockAgentCoreControlClient({ region });

async function createRuntime(name: string, roleArn: string, region = 'us-west-2') {
  const created = await control(region).send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: name,
      roleArn,
      agentRuntimeArtifact: {
        containerConfiguration: { containerUri: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}:latest` },
      },
      networkConfiguration: { networkMode: 'PUBLIC' },
    }),
  );
  return { agentRuntimeId: created.agentRuntimeId ?? '', agentRuntimeArn: created.agentRuntimeArn ?? '', region };
}

/** The CloudTrail event of a runtime call, as EventBridge delivers it (forwarded to us-east-1 from its region). */
function runtimeEvent(
  eventName: 'CreateAgentRuntime' | 'UpdateAgentRuntime',
  runtime: { agentRuntimeId: string; agentRuntimeArn: string; region: string },
  roleArn: string,
  options: { account?: string } = {},
) {
  return apiCallEvent({
    source: 'aws.bedrock-agentcore',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName,
    region: runtime.region,
    account: options.account,
    requestParameters:
      eventName === 'CreateAgentRuntime'
        ? { agentRuntimeName: 'agent', roleArn }
        : { agentRuntimeId: runtime.agentRuntimeId, roleArn },
    responseElements: {
      agentRuntimeArn: runtime.agentRuntimeArn,
      agentRuntimeId: runtime.agentRuntimeId,
      status: 'CREATING',
    },
  });
}

const handle = (event: unknown) =>
  createRuntimesHandler(runtimesDeps(loadConfig(env)))(
    event,
    lambdaContext({ functionName: 'agentcore-guard-dev-runtimes' }),
  ) as Promise<RuntimesResult>;

async function inlinePolicies(roleName: string) {
  return (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
}

/** What a person received since the last call: each alert's e-mail subject, and its text. */
async function alertsReceived(): Promise<{ subject: string; text: string }[]> {
  const out: { subject: string; text: string }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return out;
    for (const m of Messages) {
      const body = JSON.parse(m.Body ?? '{}') as { Subject?: string; Message?: string };
      out.push({ subject: body.Subject ?? '', text: body.Message ?? '' });
    }
  }
}

/** A role as CDK makes one for a runtime: generated name, AgentCore trust, its stack's tag, no Code Interpreter. */
async function createCdkRole(name = CDK_ROLE) {
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: toolkitTrustPolicy(),
      Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }],
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'AgentRuntimeRoleDefaultPolicy',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'logs:PutLogEvents'], Resource: '*' }],
      }),
    }),
  );
  return Role?.Arn ?? '';
}

const giveCodeInterpreter = (roleName: string) =>
  iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'CodeInterpreter',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: LEAST_PRIVILEGE_ACTIONS,
            Resource: 'arn:aws:bedrock-agentcore:*:aws:code-interpreter/*',
          },
        ],
      }),
    }),
  );

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  simulator = await startIamSimulator(moto.endpoint);
  // Every IAM client built from now on, the handler's among them, goes through the simulator (the rest to moto).
  process.env.AWS_ENDPOINT_URL_IAM = simulator.endpoint;
  iam = new IAMClient({ region: 'us-east-1' });
  sqs = new SQSClient({ region: 'us-east-1' });
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_IAM;
  await simulator?.stop();
  await moto?.release();
});

beforeEach(async () => {
  await moto.reset();
  simulator.deny = false;
  const alerts = await createAlertInfrastructure({ table: TABLE });
  queueUrl = alerts.queueUrl;
  // The handler's IAM client goes through the simulator; everything else straight to moto.
  env = {
    ...process.env,
    AWS_ENDPOINT_URL_IAM: simulator.endpoint,
    ALERT_STATE_TABLE: TABLE,
    ALERT_TOPIC_ARN: alerts.topicArn,
  };
});

describe('a runtime whose role has a configured prefix', () => {
  it('gets the role fixed on create', async () => {
    // Prepare
    const roleName = `${TOOLKIT_PREFIX}us-west-2-rt00000001`;
    const roleArn = await createToolkitRole(iam, roleName);
    const runtime = await createRuntime('toolkit_agent', roleArn);
    // Act
    const result = await handle(runtimeEvent('CreateAgentRuntime', runtime, roleArn));
    // Assess
    expect(result).toMatchObject({ status: 'checked', check: { kind: 'prefixed', outcome: { status: 'remediated' } } });
    expect(await inlinePolicies(roleName)).toContain('CodeInterpreterAccess');
  });

  it('gets the new role fixed on an update that switches roles', async () => {
    // Prepare
    const first = await createToolkitRole(iam, `${TOOLKIT_PREFIX}us-west-2-rt00000002`);
    const secondName = `${TOOLKIT_PREFIX}us-west-2-rt00000003`;
    const second = await createToolkitRole(iam, secondName);
    const runtime = await createRuntime('switching_agent', first);
    await control('us-west-2').send(
      new UpdateAgentRuntimeCommand({
        agentRuntimeId: runtime.agentRuntimeId,
        roleArn: second,
        agentRuntimeArtifact: {
          containerConfiguration: { containerUri: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/a:2` },
        },
        networkConfiguration: { networkMode: 'PUBLIC' },
      }),
    );
    // Act
    const result = await handle(runtimeEvent('UpdateAgentRuntime', runtime, second));
    // Assess
    expect(result).toMatchObject({ status: 'checked', runtime: { roleArn: second } });
    expect(await inlinePolicies(secondName)).toContain('CodeInterpreterAccess');
  });
});

describe('a runtime whose role comes from CDK', () => {
  it('is never written to, and alerted once with the fix in its stack', async () => {
    // Prepare
    const roleArn = await createCdkRole();
    const runtime = await createRuntime('cdk_agent', roleArn);
    const event = runtimeEvent('CreateAgentRuntime', runtime, roleArn);
    // Act
    const first = await handle(event);
    const repeated = await handle(event);
    // Assess
    expect(first).toMatchObject({
      check: {
        kind: 'not-ours',
        access: { verdict: 'denied', missing: LEAST_PRIVILEGE_ACTIONS },
        stackName: 'MyStack',
      },
    });
    expect(repeated).toMatchObject({ check: { kind: 'not-ours', access: { verdict: 'denied' } } });
    expect(await inlinePolicies(CDK_ROLE)).toEqual(['AgentRuntimeRoleDefaultPolicy']);
    const alerts = await alertsReceived();
    expect(alerts.map((a) => a.subject)).toEqual(['[agentcore-guard] NO CODE INTERPRETER: cdk_agent']);
    const text = alerts[0]?.text ?? '';
    expect(text).toContain('us-west-2');
    expect(text).toContain(roleArn);
    expect(text).toContain('bedrock-agentcore:StartCodeInterpreterSession');
    expect(text).toContain('stack MyStack');
    expect(text).toContain('runtime.role.addToPrincipalPolicy(');
  });

  it('is alerted again only after it recovers and breaks', async () => {
    // Prepare
    const roleArn = await createCdkRole();
    const runtime = await createRuntime('cdk_agent', roleArn);
    const event = runtimeEvent('UpdateAgentRuntime', runtime, roleArn);
    await handle(event);
    // Act: a person fixes the role in the stack; later someone takes the grant away again.
    await giveCodeInterpreter(CDK_ROLE);
    const fixed = await handle(event);
    const quiet = await handle(event);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: CDK_ROLE, PolicyName: 'CodeInterpreter' }));
    const broken = await handle(event);
    // Assess
    expect(
      [fixed, quiet, broken].map(
        (r) => r.status === 'checked' && r.check.kind === 'not-ours' && r.check.access.verdict,
      ),
    ).toEqual(['allowed', 'allowed', 'denied']);
    expect((await alertsReceived()).map((a) => a.subject)).toEqual([
      '[agentcore-guard] NO CODE INTERPRETER: cdk_agent',
      '[agentcore-guard] RECOVERED: cdk_agent',
      '[agentcore-guard] NO CODE INTERPRETER: cdk_agent',
    ]);
  });

  it('gives the put-role-policy command when no stack owns the role', async () => {
    // Prepare
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: 'terraform-agent-role', AssumeRolePolicyDocument: toolkitTrustPolicy() }),
    );
    const runtime = await createRuntime('tf_agent', Role?.Arn ?? '');
    // Act
    await handle(runtimeEvent('CreateAgentRuntime', runtime, Role?.Arn ?? ''));
    // Assess
    const [alert] = await alertsReceived();
    expect(alert?.text).toContain(
      'aws iam put-role-policy --role-name terraform-agent-role --policy-name CodeInterpreterAccess',
    );
  });

  it('is alerted as undetermined when IAM will not simulate, and never written to', async () => {
    // Prepare
    const roleArn = await createCdkRole();
    const runtime = await createRuntime('cdk_agent', roleArn);
    simulator.deny = true;
    // Act
    const result = await handle(runtimeEvent('CreateAgentRuntime', runtime, roleArn));
    // Assess
    expect(result).toMatchObject({ check: { kind: 'not-ours', access: { verdict: 'undetermined' } } });
    expect((await alertsReceived()).map((a) => a.subject)).toEqual([
      '[agentcore-guard] NO CODE INTERPRETER: cdk_agent',
    ]);
    expect(await inlinePolicies(CDK_ROLE)).toEqual(['AgentRuntimeRoleDefaultPolicy']);
  });
});

describe('events the handler refuses or cannot use', () => {
  it('acknowledges a runtime whose roleArn is not an IAM role ARN, without a write', async () => {
    // Prepare
    const runtime = await createRuntime('broken_agent', 'arn:aws:iam::123456789012:user/not-a-role');
    // Act
    const result = await handle(
      runtimeEvent('CreateAgentRuntime', runtime, 'arn:aws:iam::123456789012:user/not-a-role'),
    );
    // Assess
    expect(result).toMatchObject({ status: 'rejected', reason: 'malformed-role-arn' });
    expect(await alertsReceived()).toEqual([]);
  });

  it("refuses an event of another account than the function's own", async () => {
    // Prepare
    const roleArn = await createCdkRole();
    const runtime = await createRuntime('cdk_agent', roleArn);
    // Act
    const result = await handle(runtimeEvent('CreateAgentRuntime', runtime, roleArn, { account: '999999999999' }));
    // Assess
    expect(result).toEqual({ status: 'rejected', reason: 'foreign-account' });
    expect(await alertsReceived()).toEqual([]);
  });

  it('acknowledges a runtime deleted since the event', async () => {
    // Act
    const result = await handle(
      runtimeEvent(
        'CreateAgentRuntime',
        { agentRuntimeId: 'gone-AbCdE12345', agentRuntimeArn: 'x', region: 'us-west-2' },
        'x',
      ),
    );
    // Assess
    expect(result).toEqual({ status: 'runtime-gone', agentRuntimeId: 'gone-AbCdE12345' });
  });
});

describe('a runtime in a second region', () => {
  it('is checked in its own region when its event reaches the home stack', async () => {
    // Prepare: the runtime lives in eu-west-1; its forwarded event keeps that region.
    const roleName = `${TOOLKIT_PREFIX}eu-west-1-rt00000009`;
    const roleArn = await createToolkitRole(iam, roleName);
    const runtime = await createRuntime('eu_agent', roleArn, 'eu-west-1');
    // Act
    const result = await handle(runtimeEvent('CreateAgentRuntime', runtime, roleArn));
    // Assess
    expect(result).toMatchObject({ status: 'checked', runtime: { region: 'eu-west-1', roleArn } });
    expect(await inlinePolicies(roleName)).toContain('CodeInterpreterAccess');
  });
});

it('records nothing about a role the simulator allows, when it never failed', async () => {
  // Prepare
  const roleArn = await createCdkRole();
  await giveCodeInterpreter(CDK_ROLE);
  const runtime = await createRuntime('cdk_agent', roleArn);
  // Act
  const result = await handle(runtimeEvent('CreateAgentRuntime', runtime, roleArn));
  // Assess
  expect(result).toMatchObject({ check: { kind: 'not-ours', access: { verdict: 'allowed' } } });
  expect(await alertsReceived()).toEqual([]);
  const { PolicyDocument } = await iam.send(
    new GetRolePolicyCommand({ RoleName: CDK_ROLE, PolicyName: 'CodeInterpreter' }),
  );
  expect(PolicyDocument).toBeDefined();
});
