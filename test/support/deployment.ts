import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { DisableRuleCommand, EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';

export interface DeploymentShape {
  trail?: { logging: boolean; readOnlySelectors?: boolean };
  rules?: { names: string[]; disabled?: string[] };
  topic?: { name: string; subscribed: boolean };
}

/** Builds, in an emulator, what a deployment of agentcore-guard and its prerequisites leave in us-east-1. */
export async function createDeployment(shape: DeploymentShape): Promise<void> {
  const region = 'us-east-1';
  if (shape.trail) {
    await new S3Client({ region, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'cloudtrail-logs' }));
    const cloudTrail = new CloudTrailClient({ region });
    await cloudTrail.send(
      new CreateTrailCommand({ Name: 'management-events', S3BucketName: 'cloudtrail-logs', IsMultiRegionTrail: true }),
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
}

export const HEALTHY: DeploymentShape = {
  trail: { logging: true },
  rules: {
    names: [
      'agentcore-guard-dev-create-role',
      'agentcore-guard-dev-role-policy-drift',
      'agentcore-guard-dev-reconcile',
    ],
  },
  topic: { name: 'agentcore-guard-dev-alerts', subscribed: true },
};
