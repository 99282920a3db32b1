import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type AlertMessage, snsMessage } from './messages.js';

/** One SNS publish, every protocol's body in it. Returns the message id; throws when SNS refuses. */
export async function publishAlert(sns: SNSClient, topicArn: string, alert: AlertMessage): Promise<string | undefined> {
  const { MessageId } = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      MessageStructure: 'json',
      Message: snsMessage(alert),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: alert.kind },
        about: { DataType: 'String', StringValue: alert.about },
      },
    }),
  );
  return MessageId;
}
