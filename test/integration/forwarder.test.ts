import { readFileSync } from 'node:fs';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { deployForwarder, ForwarderStackError, removeForwarder } from '../../deploy/forwarder-stacks.js';
import { ACCOUNT } from '../support/iam-fixtures.js';
import { runProjectScript } from '../support/project-script.js';
import { useMoto } from '../support/use-moto.js';

const REGION = 'eu-west-1';
const SCOPE = { service: 'agentcore-guard', stage: 'dev', region: REGION, homeRegion: 'us-east-1' };
const STACK = 'agentcore-guard-dev-runtime-forwarder';
const RULE = 'agentcore-guard-dev-runtime-forwarder';
const ROLE = 'agentcore-guard-dev-forwarder-eu-west-1';
const HOME_BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`;

const clients = {
  cloudFormation: (region: string) => new CloudFormationClient({ region }),
  sqs: (region: string) => new SQSClient({ region }),
};

/** A sample from events/ as PutEvents takes it. */
function sample(file: string): PutEventsRequestEntry {
  const event = JSON.parse(readFileSync(new URL(`../../events/${file}`, import.meta.url), 'utf8'));
  return { Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) };
}

/** The sample with some of its CloudTrail fields changed. */
function variant(file: string, change: Record<string, unknown>, source?: string): PutEventsRequestEntry {
  const entry = sample(file);
  return {
    ...entry,
    Source: source ?? entry.Source,
    Detail: JSON.stringify({ ...JSON.parse(entry.Detail ?? '{}'), ...change }),
  };
}

/** An SQS queue in a region, with its URL and ARN: a probe target for a rule. */
async function probeQueue(region: string, name: string): Promise<{ url: string; arn: string }> {
  const sqs = new SQSClient({ region });
  const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes?.QueueArn ?? '' };
}

/** What reached a probe queue, as "<eventName> <errorCode or ok>", sorted (moto delivers before PutEvents returns). */
async function drain(region: string, url: string): Promise<string[]> {
  const sqs = new SQSClient({ region });
  const seen: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) return seen.sort();
    for (const message of Messages) {
      const { detail } = JSON.parse(message.Body ?? '{}') as { detail: { eventName: string; errorCode?: string } };
      seen.push(`${detail.eventName} ${detail.errorCode ?? 'ok'}`);
    }
  }
}

/** The forwarder command, run as `npm run deploy:forwarders -- …` runs it, against the emulator. */
const forwarders = (args: string[], endpoint: string) => runProjectScript('forwarders', args, endpoint);

async function stackStatus(region: string): Promise<string | undefined> {
  try {
    const { Stacks = [] } = await new CloudFormationClient({ region }).send(
      new DescribeStacksCommand({ StackName: STACK }),
    );
    return Stacks[0]?.StackStatus;
  } catch {
    return undefined;
  }
}

async function roleExists(name: string): Promise<boolean> {
  try {
    await new IAMClient({ region: 'us-east-1' }).send(new GetRoleCommand({ RoleName: name }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return false;
    throw error;
  }
}

describe('the forwarder in moto', () => {
  const moto = useMoto();

  it('deploys in a region other than the home region, with the rule, target, role and dead-letter queue it declares', async () => {
    // Act
    const outcome = await deployForwarder(new CloudFormationClient({ region: REGION }), SCOPE);

    // Assess
    expect(outcome).toBe('created');
    const events = new EventBridgeClient({ region: REGION });
    const rule = await events.send(new DescribeRuleCommand({ Name: RULE }));
    expect(rule.State).toBe('ENABLED');
    expect(JSON.parse(rule.EventPattern ?? '{}')).toEqual({
      source: ['aws.bedrock-agentcore'],
      'detail-type': ['AWS API Call via CloudTrail'],
      account: [ACCOUNT],
      detail: {
        eventSource: ['bedrock-agentcore.amazonaws.com'],
        eventName: ['CreateAgentRuntime', 'UpdateAgentRuntime'],
        errorCode: [{ exists: false }],
      },
    });
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: RULE }));
    expect(Targets).toEqual([
      expect.objectContaining({
        Arn: HOME_BUS,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`,
        DeadLetterConfig: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:agentcore-guard-dev-runtime-forwarder-dead-letter` },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
      }),
    ]);
    const { StackResources = [] } = await new CloudFormationClient({ region: REGION }).send(
      new DescribeStackResourcesCommand({ StackName: STACK }),
    );
    expect(StackResources.find((r) => r.LogicalResourceId === 'ForwarderDeadLetterQueue')?.ResourceStatus).toBe(
      'CREATE_COMPLETE',
    );
  });

  it('gives the role EventBridge alone may assume, for that rule, and PutEvents on the home bus only', async () => {
    // Prepare
    await deployForwarder(new CloudFormationClient({ region: REGION }), SCOPE);
    const iam = new IAMClient({ region: 'us-east-1' });

    // Act
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: ROLE }));
    const { PolicyNames } = await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }));
    const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }));
    const { PolicyDocument = '' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: 'PutEventsOnHomeBusOnly' }),
    );

    // Assess
    expect(JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? '')).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnEquals: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}` },
        },
      },
    ]);
    expect(PolicyNames).toEqual(['PutEventsOnHomeBusOnly']);
    expect(AttachedPolicies).toEqual([]);
    // Moto hands back a policy made by its CloudFormation in Python's notation, not JSON: the statement's exact shape
    // is held by the template test; here, what it names.
    const document = decodeURIComponent(PolicyDocument);
    expect(document).toContain(`'Action': 'events:PutEvents', 'Resource': '${HOME_BUS}'`);
    expect(document.match(/'Effect'/g)).toHaveLength(1);
  });

  it('matches exactly the successful runtime creations and updates, and they reach the home bus', async () => {
    // Prepare: an SQS probe beside the forwarder's own target, and a rule on the home bus as the home stack has one.
    await deployForwarder(new CloudFormationClient({ region: REGION }), SCOPE);
    const regional = await probeQueue(REGION, 'forwarder-probe');
    await new EventBridgeClient({ region: REGION }).send(
      new PutTargetsCommand({ Rule: RULE, Targets: [{ Id: 'probe', Arn: regional.arn }] }),
    );
    const home = await probeQueue('us-east-1', 'home-probe');
    const homeEvents = new EventBridgeClient({ region: 'us-east-1' });
    const { EventPattern } = await new EventBridgeClient({ region: REGION }).send(
      new DescribeRuleCommand({ Name: RULE }),
    );
    await homeEvents.send(new PutRuleCommand({ Name: 'home-runtime-events', EventPattern }));
    await homeEvents.send(
      new PutTargetsCommand({ Rule: 'home-runtime-events', Targets: [{ Id: 'probe', Arn: home.arn }] }),
    );

    // Act
    await new EventBridgeClient({ region: REGION }).send(
      new PutEventsCommand({
        Entries: [
          sample('runtime-forwarded-create.json'),
          sample('runtime-forwarded-update.json'),
          sample('runtime-forwarded-create-failed.json'),
          variant('runtime-forwarded-update.json', { eventName: 'DeleteAgentRuntime' }),
          variant('runtime-forwarded-create.json', { eventName: 'CreateGateway' }),
          variant('runtime-forwarded-create.json', { eventSource: 'bedrock.amazonaws.com' }),
          variant('runtime-forwarded-create.json', {}, 'aws.bedrock'),
        ],
      }),
    );

    // Assess
    expect(await drain(REGION, regional.url)).toEqual(['CreateAgentRuntime ok', 'UpdateAgentRuntime ok']);
    expect(await drain('us-east-1', home.url)).toEqual(['CreateAgentRuntime ok', 'UpdateAgentRuntime ok']);
  });

  it('keeps a stack that is already up to date as it is', async () => {
    // Prepare
    const cfn = new CloudFormationClient({ region: REGION });
    await deployForwarder(cfn, SCOPE);

    // Act
    const again = await deployForwarder(cfn, SCOPE);

    // Assess
    expect(again).toBe('unchanged');
  });

  it('refuses to remove a forwarder whose dead-letter queue holds events, unless forced', async () => {
    // Prepare
    await deployForwarder(new CloudFormationClient({ region: REGION }), SCOPE);
    const sqs = new SQSClient({ region: REGION });
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: 'agentcore-guard-dev-runtime-forwarder-dead-letter' }),
    );
    await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(sample('runtime-forwarded-create.json')) }),
    );

    // Act
    const refused = await removeForwarder(clients, SCOPE).catch((error: unknown) => error);
    const statusAfterRefusal = await stackStatus(REGION);
    const forced = await removeForwarder(clients, SCOPE, { force: true });

    // Assess
    expect(refused).toBeInstanceOf(ForwarderStackError);
    expect((refused as Error).message).toContain('its dead-letter queue holds 1 runtime event(s)');
    expect(statusAfterRefusal).toBe('CREATE_COMPLETE');
    expect(forced).toBe('removed');
    expect(await stackStatus(REGION)).toBeUndefined();
  });

  it('deploys and removes the forwarders of several regions with the documented commands', async () => {
    // Act
    const deployed = await forwarders(
      ['deploy', '--stage', 'dev', '--regions', 'eu-west-1,ap-southeast-2', '--alert-email', 'oncall@example.com'],
      moto.endpoint,
    );
    const statuses = [await stackStatus('eu-west-1'), await stackStatus('ap-southeast-2')];
    const roles = [
      await roleExists('agentcore-guard-dev-forwarder-eu-west-1'),
      await roleExists('agentcore-guard-dev-forwarder-ap-southeast-2'),
    ];
    const removed = await forwarders(
      ['remove', '--stage', 'dev', '--regions', 'eu-west-1,ap-southeast-2'],
      moto.endpoint,
    );

    // Assess
    expect(deployed).toMatchObject({ code: 0, stderr: '' });
    expect(deployed.stdout).toContain('eu-west-1: created agentcore-guard-dev-runtime-forwarder');
    expect(deployed.stdout).toContain('ap-southeast-2: created agentcore-guard-dev-runtime-forwarder');
    expect(statuses).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
    expect(roles).toEqual([true, true]);
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect([await stackStatus('eu-west-1'), await stackStatus('ap-southeast-2')]).toEqual([undefined, undefined]);
    expect(await roleExists('agentcore-guard-dev-forwarder-eu-west-1')).toBe(false);
  });

  it('refuses the home region before creating anything', async () => {
    // Act
    const result = await forwarders(['deploy', '--stage', 'dev', '--regions', 'eu-west-1,us-east-1'], moto.endpoint);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('us-east-1 is the home region');
    expect([await stackStatus('eu-west-1'), await stackStatus('us-east-1')]).toEqual([undefined, undefined]);
  });
});
