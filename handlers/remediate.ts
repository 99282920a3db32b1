import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import { createIamClient } from '../src/aws/clients.js';
import { errorMessage, errorName } from '../src/aws/errors.js';
import { type Config, loadConfig } from '../src/config.js';
import { readRoleEvent } from '../src/events/role-event.js';
import { type LambdaHandler, logger, metricName, metrics, observed, onFirstUse } from '../src/observability.js';
import { ensureCodeInterpreterPolicy } from '../src/remediation/ensure.js';
import type { RemediationOutcome } from '../src/remediation/outcome.js';

export type RemediateResult = RemediationOutcome | { status: 'rejected' | 'skipped-failed-call' };

export interface RemediateDeps {
  config: Config;
  iam: IAMClient;
}

export function remediateDeps(config: Config = loadConfig()): RemediateDeps {
  return { config, iam: createIamClient(config) };
}

/**
 * CloudTrail `CreateRole` (and drift) events → `ensureCodeInterpreterPolicy`.
 * Bad events are logged once and acknowledged (retrying cannot fix them); AWS failures are thrown so that
 * Lambda's async retries and then the on-failure destination keep the event.
 */
export function createRemediateHandler({ config, iam }: RemediateDeps): LambdaHandler<unknown, RemediateResult> {
  return observed(async (event) => {
    const read = readRoleEvent(event);
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
      logger.info('remediation finished', {
        eventId: read.eventId,
        eventName: read.eventName,
        role: read.role.roleName,
        outcome: outcome.status,
        durationMs: Math.round(performance.now() - started),
      });
      metrics.addMetric(metricName(outcome.status), MetricUnit.Count, 1);
      return outcome;
    } catch (error) {
      logger.error('remediation failed', {
        eventId: read.eventId,
        role: read.role.roleName,
        errorName: errorName(error),
        error: errorMessage(error),
        durationMs: Math.round(performance.now() - started),
      });
      metrics.addMetric('Failed', MetricUnit.Count, 1);
      throw error;
    }
  });
}

export const handler = onFirstUse(() => createRemediateHandler(remediateDeps()));
