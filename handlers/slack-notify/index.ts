import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import {
  postToSlack,
  redactWebhook,
  SLACK_TIME_MARGIN_MS,
  SlackWebhookError,
  slackPayloadFor,
  snsDeliveries,
} from '../../src/alerts/slack.js';
import { errorMessage } from '../../src/aws/errors.js';
import { createSsmClient } from '../../src/aws/ssm-client.js';
import { type Config, ConfigError, loadConfig } from '../../src/config.js';
import { type LambdaHandler, logger, observed, onFirstUse } from '../../src/observability.js';

export interface SlackNotifyDeps {
  config: Config;
  /** Reads the webhook URL; Powertools' provider caches the decrypted value across invocations of a warm function. */
  parameters: Pick<SSMProvider, 'get'>;
  fetchImpl?: typeof fetch;
}

export interface SlackNotifySummary {
  posted: number;
  /** Records that were not SNS messages: logged and acknowledged, since retrying them cannot help. */
  malformed: number;
}

export function slackNotifyDeps(config: Config = loadConfig()): SlackNotifyDeps {
  return { config, parameters: new SSMProvider({ awsSdkV3Client: createSsmClient(config) }) };
}

/** SNS (the alerts topic, protocol `lambda`, so `default`: the chat notification JSON) → Slack Block Kit. */
export function createSlackNotifyHandler(deps: SlackNotifyDeps): LambdaHandler<unknown, SlackNotifySummary> {
  return observed(async (event, context) => {
    const { deliveries, malformed } = snsDeliveries(event);
    if (malformed.length > 0) logger.warn('malformed records acknowledged', { count: malformed.length, malformed });
    if (deliveries.length === 0) return { posted: 0, malformed: malformed.length };
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
    for (const { message, subject, messageId } of deliveries) {
      try {
        const { attempts } = await postToSlack(webhookUrl, slackPayloadFor(message, subject), {
          fetchImpl: deps.fetchImpl,
          remainingMs: () => context.getRemainingTimeInMillis() - SLACK_TIME_MARGIN_MS,
        });
        posted++;
        logger.info('slack message posted', { messageId, attempts });
      } catch (error) {
        // Thrown again so Lambda's async retries try later; the URL never reaches the log.
        const text = redactWebhook(errorMessage(error), webhookUrl);
        logger.error('slack message not posted', { messageId, error: text });
        throw new SlackWebhookError(text);
      }
    }
    return { posted, malformed: malformed.length };
  });
}

export const handler = onFirstUse(() => createSlackNotifyHandler(slackNotifyDeps()));
