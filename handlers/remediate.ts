import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createIamClient } from '../src/aws/clients.js';
import { errorMessage, errorName } from '../src/aws/errors.js';
import { loadConfig } from '../src/config.js';
import { readRoleEvent } from '../src/events/role-event.js';
import { logger, metricName, metrics } from '../src/observability.js';
import { ensureCodeInterpreterPolicy } from '../src/remediation/ensure.js';
import type { RemediationOutcome } from '../src/remediation/outcome.js';

const config = loadConfig();
const iam = createIamClient(config);

export type RemediateResult = RemediationOutcome | { status: 'rejected' | 'skipped-failed-call' };

/**
 * CloudTrail `CreateRole` (and drift) events → `ensureCodeInterpreterPolicy`.
 * Bad events are logged once and acknowledged (retrying cannot fix them); AWS failures are thrown so that
 * Lambda's async retries and then the on-failure destination keep the event.
 */
export const handler = async (event: unknown, context?: Context): Promise<RemediateResult> => {
  if (context) logger.addContext(context);
  const read = readRoleEvent(event);
  try {
    if (read.kind === 'malformed') {
      logger.error('event rejected', { reason: 'malformed', problems: read.problems });
      metrics.addMetric('RejectedEvent', MetricUnit.Count, 1);
      return { status: 'rejected' };
    }
    if (read.kind === 'failed-call') {
      logger.warn('event skipped', {
        reason: 'failed-call',
        eventId: read.eventId,
        role: read.roleName,
        errorCode: read.errorCode,
      });
      return { status: 'skipped-failed-call' };
    }
    const started = performance.now();
    try {
      const outcome = await ensureCodeInterpreterPolicy(read.role, { iam, settings: config });
      const durationMs = Math.round(performance.now() - started);
      logger.info('remediation finished', {
        eventId: read.eventId,
        eventName: read.eventName,
        role: read.role.roleName,
        outcome: outcome.status,
        durationMs,
      });
      metrics.addMetric(metricName(outcome.status), MetricUnit.Count, 1);
      return outcome;
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      logger.error('remediation failed', {
        eventId: read.eventId,
        role: read.role.roleName,
        errorName: errorName(error),
        error: errorMessage(error),
        durationMs,
      });
      metrics.addMetric('Failed', MetricUnit.Count, 1);
      throw error;
    }
  } finally {
    metrics.publishStoredMetrics();
  }
};
