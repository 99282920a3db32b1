import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { Context, SNSEvent } from 'aws-lambda';
import { postToSlack, redactWebhook, slackPayloadFor } from '../src/alerts/slack.js';
import { createSsmClient } from '../src/aws/clients.js';
import { errorMessage } from '../src/aws/errors.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { logger } from '../src/observability.js';

const config = loadConfig();
// Powertools' provider caches the decrypted value; the SSM client comes from our one factory.
const parameters = new SSMProvider({ awsSdkV3Client: createSsmClient(config) });

/** SNS (the alerts topic, protocol `lambda`, so `default`: the chat notification JSON) → Slack Block Kit. */
export const handler = async (event: SNSEvent, context?: Context): Promise<{ posted: number }> => {
  if (context) logger.addContext(context);
  const parameterName = config.health.slackWebhookParameter;
  if (!parameterName) {
    throw new ConfigError('SLACK_WEBHOOK_PARAMETER is not set: deploy with --param slackWebhookParameter=<SSM name>.');
  }
  // SecureString, decrypted; cached for 5 minutes across invocations of a warm function.
  const webhookUrl = await parameters.get(parameterName, { decrypt: true, maxAge: 300 });
  if (!webhookUrl) throw new ConfigError(`SSM parameter ${parameterName} is empty: store the Slack webhook URL in it.`);
  let posted = 0;
  for (const record of event.Records) {
    const payload = slackPayloadFor(record.Sns.Message, record.Sns.Subject ?? undefined);
    try {
      const { attempts } = await postToSlack(webhookUrl, payload);
      posted++;
      logger.info('slack message posted', { messageId: record.Sns.MessageId, attempts });
    } catch (error) {
      // Thrown again so Lambda's async retries try later; the URL never reaches the log.
      logger.error('slack message not posted', {
        messageId: record.Sns.MessageId,
        error: redactWebhook(errorMessage(error), webhookUrl),
      });
      throw new Error(redactWebhook(errorMessage(error), webhookUrl));
    }
  }
  return { posted };
};
