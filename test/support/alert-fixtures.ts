import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * What the stack gives the health check, in the emulator: the alert-state table (keyed as in serverless.yml), the
 * alerts topic, and a queue subscribed to it so a test can read what was published.
 */
export async function createAlertInfrastructure(names: { table: string; topic?: string; queue?: string }) {
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: names.table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'subject', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
    }),
  );
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  const { TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: names.topic ?? 'alerts' }));
  const { QueueUrl: queueUrl = '' } = await sqs.send(
    new CreateQueueCommand({ QueueName: names.queue ?? 'alerts-copy' }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
  return { topicArn, queueUrl };
}

/**
 * The metric an alert the health check could not deliver is counted with, as the requirement names it: the
 * AgentCoreGuard namespace, the Powertools `service` dimension. The alerts-undelivered alarm must watch exactly this.
 */
export const ALERT_PUBLISH_FAILED = {
  namespace: 'AgentCoreGuard',
  metricName: 'AlertPublishFailed',
  dimensions: { service: 'agentcore-guard' },
} as const;

export interface EmittedMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: unknown;
}

/** The CloudWatch metrics in captured embedded-metric-format lines, one entry per metric per line. */
export function emittedMetrics(lines: readonly Record<string, unknown>[]): EmittedMetric[] {
  return lines.flatMap((line) => {
    const directives = (line._aws as { CloudWatchMetrics?: unknown[] } | undefined)?.CloudWatchMetrics ?? [];
    return directives.flatMap((directive) => {
      const {
        Namespace,
        Dimensions = [],
        Metrics = [],
      } = directive as {
        Namespace: string;
        Dimensions?: string[][];
        Metrics?: { Name: string }[];
      };
      const dimensions = Object.fromEntries((Dimensions[0] ?? []).map((name) => [name, String(line[name])]));
      return Metrics.map(({ Name }) => ({ namespace: Namespace, metricName: Name, dimensions, value: line[Name] }));
    });
  });
}
