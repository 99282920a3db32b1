import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SNSEvent } from 'aws-lambda';
import { postToSlack, redactWebhook, slackPayloadFor } from '../src/alerts/slack.js';
import { createSsmClient } from '../src/aws/clients.js';
import { errorMessage } from '../src/aws/errors.js';
import { type Config, ConfigError, loadConfig } from '../src/config.js';
import { type LambdaHandler, logger, observed, onFirstUse } from '../src/observability.js';

export interface SlackNotifyDeps {
  config: Config;
  /** Reads the webhook URL; Powertools' provider caches the decrypted value across invocations of a warm function. */
  parameters: Pick<SSMProvider, 'get'>;
  fetchImpl?: typeof fetch;
}

export function slackNotifyDeps(config: Config = loadConfig()): SlackNotifyDeps {
  return { config, parameters: new SSMProvider({ awsSdkV3Client: createSsmClient(config) }) };
}

/** SNS (the alerts topic, protocol `lambda`, so `default`: the chat notification JSON) → Slack Block Kit. */
export function createSlackNotifyHandler(deps: SlackNotifyDeps): LambdaHandler<SNSEvent, { posted: number }> {
  return observed(async (event) => {
    const parameterName = deps.config.health.slackWebhookParameter;
    if (!parameterName) {
      throw new ConfigError(
        'SLACK_WEBHOOK_PARAMETER is not set: deploy with --param slackWebhookParameter=<SSM name>.',
      );
    }
    // SecureString, decrypted; cached for 5 minutes.
    const webhookUrl = await deps.parameters.get(parameterName, { decrypt: true, maxAge: 300 });
    if (typeof webhookUrl !== 'string' || !webhookUrl) {
      throw new ConfigError(`SSM parameter ${parameterName} is empty: store the Slack webhook URL in it.`);
    }
    let posted = 0;
    for (const record of event.Records) {
      const payload = slackPayloadFor(record.Sns.Message, record.Sns.Subject ?? undefined);
      try {
        const { attempts } = await postToSlack(
          webhookUrl,
          payload,
          deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {},
        );
        posted++;
        logger.info('slack message posted', { messageId: record.Sns.MessageId, attempts });
      } catch (error) {
        // Thrown again so Lambda's async retries try later; the URL never reaches the log.
        const message = redactWebhook(errorMessage(error), webhookUrl);
        logger.error('slack message not posted', { messageId: record.Sns.MessageId, error: message });
        throw new Error(message);
      }
    }
    return { posted };
  });
}

export const handler = onFirstUse(() => createSlackNotifyHandler(slackNotifyDeps()));
