import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { parse } from '@aws-sdk/util-arn-parser';
import { type AlertMessage, accountOf, namedForAccount, snsMessage } from './messages.js';

/**
 * One SNS publish, every protocol's body in it, the alert's account named in each (and in the subject and thread when
 * the topic is another account's: a central topic). Returns the message id; throws when SNS refuses.
 */
export async function publishAlert(sns: SNSClient, topicArn: string, alert: AlertMessage): Promise<string | undefined> {
  const account = alert.account ?? accountOf(alert);
  const named = account
    ? namedForAccount(alert, account, { leavesAccount: topicAccount(topicArn) !== account })
    : alert;
  const { MessageId } = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: named.subject,
      MessageStructure: 'json',
      Message: snsMessage(named),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: named.kind },
        about: { DataType: 'String', StringValue: named.about },
        // A central topic's subscribers can filter on it (an account team's own queue or address).
        ...(account ? { account: { DataType: 'String', StringValue: account } } : {}),
      },
    }),
  );
  return MessageId;
}

function topicAccount(topicArn: string): string | undefined {
  try {
    return parse(topicArn).accountId;
  } catch {
    return undefined;
  }
}
