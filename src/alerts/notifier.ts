import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Config } from '../config.js';
import { metrics } from '../observability.js';
import type { AlertDeps, AlertOutcome, AlertSubject } from './state.js';

/** An alert that had to go out could not be published: the run fails, so it is tried again and the failure seen. */
export class AlertNotDeliveredError extends Error {
  override name = 'AlertNotDeliveredError';
}

/** Records an alert subject's state and publishes when it changed: what the functions need of alerting. */
export interface Notifier {
  notify(subject: AlertSubject): Promise<AlertOutcome>;
}

export interface NotifierSettings {
  region: string;
  tableName?: string;
  topicArn?: string;
  /** How often to remind while failing; absent: changes only. */
  reminderMs?: number;
}

/** A function's alerting, from its settings: its region, alert-state table and topic. */
export const notifierFor = (config: Pick<Config, 'region' | 'alerts'>): Notifier | undefined =>
  lazyNotifier({ region: config.region, tableName: config.alerts.stateTable, topicArn: config.alerts.topicArn });

/**
 * Alerting built on first use. The remediate and reconcile functions alert rarely (a role that is not theirs to
 * write), so their cold start does not load the DynamoDB and SNS clients until one does. Undefined when the table or
 * the topic is not configured (the CLI).
 */
export function lazyNotifier(settings: NotifierSettings): Notifier | undefined {
  const { tableName, topicArn } = settings;
  if (!tableName || !topicArn) return undefined;
  let deps: Promise<AlertDeps> | undefined;
  const load = async (): Promise<AlertDeps> => {
    const [{ createDynamoDbClient, createSnsClient }, { publishAlert }] = await Promise.all([
      import('../aws/alert-clients.js'),
      import('./publish.js'),
    ]);
    const sns = createSnsClient(settings.region);
    return {
      ddb: createDynamoDbClient(settings.region),
      tableName,
      publish: (alert) => publishAlert(sns, topicArn, alert),
      reminderMs: settings.reminderMs,
    };
  };
  return {
    async notify(subject) {
      deps ??= load().catch((error: unknown) => {
        deps = undefined;
        throw error;
      });
      const { recordAlertState } = await import('./state.js');
      return recordAlertState(subject, await deps);
    },
  };
}

/**
 * One subject's alert through the notifier (none configured: nothing to do). An alert SNS refused is counted and fails
 * the caller with `AlertNotDeliveredError`, so that the event is delivered again and the alert with it.
 */
export async function deliverAlert(notifier: Notifier | undefined, subject: AlertSubject): Promise<void> {
  if (!notifier) return;
  const outcome = await notifier.notify(subject);
  if (outcome.action === 'publish-failed') {
    metrics.addMetric('AlertPublishFailed', MetricUnit.Count, 1);
    throw new AlertNotDeliveredError(
      `The alert for ${subject.key} could not be published (${outcome.error}); the event is delivered again.`,
    );
  }
}
