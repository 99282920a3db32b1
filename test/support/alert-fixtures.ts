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
