import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { DisableRuleCommand, EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { deployForwarder } from '../../deploy/forwarder-stacks.js';
import { forwarderNames } from '../../src/deployment/forwarders.js';

export interface DeploymentShape {
  trail?: {
    logging: boolean;
    readOnlySelectors?: boolean;
    /** A trail of us-east-1 alone covers no other region (default: multi-region). */
    multiRegion?: boolean;
    /** Advanced selectors that drop AgentCore's management events. */
    excludeAgentCore?: boolean;
  };
  rules?: { names: string[]; disabled?: string[] };
  topic?: { name: string; subscribed: boolean };
  /** The runtime-event forwarder stack, deployed from its template into these regions (stage dev). */
  forwarders?: { region: string; disabled?: boolean; alarmSubscribed?: boolean }[];
}

/** Builds, in an emulator, what a deployment of agentcore-guard and its prerequisites leave in us-east-1. */
export async function createDeployment(shape: DeploymentShape): Promise<void> {
  const region = 'us-east-1';
  if (shape.trail) {
    await new S3Client({ region, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'cloudtrail-logs' }));
    const cloudTrail = new CloudTrailClient({ region });
    await cloudTrail.send(
      new CreateTrailCommand({
        Name: 'management-events',
        S3BucketName: 'cloudtrail-logs',
        IsMultiRegionTrail: shape.trail.multiRegion ?? true,
      }),
    );
    if (shape.trail.logging) await cloudTrail.send(new StartLoggingCommand({ Name: 'management-events' }));
    await cloudTrail.send(
      new PutEventSelectorsCommand({
        TrailName: 'management-events',
        AdvancedEventSelectors: [
          {
            Name: 'management',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              ...(shape.trail.readOnlySelectors ? [{ Field: 'readOnly', Equals: ['true'] }] : []),
              ...(shape.trail.excludeAgentCore
                ? [{ Field: 'eventSource', NotEquals: ['bedrock-agentcore.amazonaws.com'] }]
                : []),
            ],
          },
        ],
      }),
    );
  }
  const events = new EventBridgeClient({ region });
  for (const name of shape.rules?.names ?? []) {
    await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify({ source: ['aws.iam'] }) }));
  }
  for (const name of shape.rules?.disabled ?? []) await events.send(new DisableRuleCommand({ Name: name }));
  if (shape.topic) {
    const sns = new SNSClient({ region });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: shape.topic.name }));
    if (shape.topic.subscribed) {
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
    }
  }
  for (const forwarder of shape.forwarders ?? []) await createForwarder(forwarder);
}

export const FORWARDER_SCOPE = { service: 'agentcore-guard', stage: 'dev' } as const;

/**
 * The forwarder stack in one region, from its template through CloudFormation, as `npm run deploy:forwarders` makes
 * it. The emulator's CloudFormation skips AWS::SNS::Subscription, so the alarm's e-mail is subscribed here.
 */
async function createForwarder(forwarder: NonNullable<DeploymentShape['forwarders']>[number]): Promise<void> {
  const { region } = forwarder;
  const names = forwarderNames({ ...FORWARDER_SCOPE, region });
  await deployForwarder(new CloudFormationClient({ region }), { ...FORWARDER_SCOPE, region, homeRegion: 'us-east-1' });
  if (forwarder.alarmSubscribed ?? true) {
    const sns = new SNSClient({ region });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names.alarmTopic }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
  }
  if (forwarder.disabled) await new EventBridgeClient({ region }).send(new DisableRuleCommand({ Name: names.rule }));
}

export const HEALTHY: DeploymentShape = {
  trail: { logging: true },
  rules: {
    names: [
      'agentcore-guard-dev-create-role',
      'agentcore-guard-dev-role-policy-drift',
      'agentcore-guard-dev-runtime-change',
      'agentcore-guard-dev-reconcile',
    ],
  },
  topic: { name: 'agentcore-guard-dev-alerts', subscribed: true },
};
