import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import { createIamClient } from '../src/aws/clients.js';
import { type Config, loadConfig } from '../src/config.js';
import { type LambdaHandler, logger, metricName, metrics, observed, onFirstUse } from '../src/observability.js';
import { REMEDIATION_STATUSES } from '../src/remediation/outcome.js';
import { type SweepSummary, sweepRoles } from '../src/remediation/sweep.js';

export class ReconcileFailedError extends Error {
  override name = 'ReconcileFailedError';
}

export interface ReconcileDeps {
  config: Config;
  iam: IAMClient;
}

export function reconcileDeps(config: Config = loadConfig()): ReconcileDeps {
  return { config, iam: createIamClient(config) };
}

/**
 * Schedule → every role with a configured prefix → `ensureCodeInterpreterPolicy` (backfill and drift repair).
 * Per-role failures are logged as they happen and do not stop the sweep; if any role failed, the run ends with an
 * error so the errors alarm sees it and the next run tries again.
 */
export function createReconcileHandler({ config, iam }: ReconcileDeps): LambdaHandler<unknown, SweepSummary> {
  return observed(async () => {
    const summary = await sweepRoles({
      iam,
      settings: config,
      concurrency: config.sweepConcurrency,
      onProgress: (progress) => {
        if (progress.kind === 'listed') {
          logger.info('roles listed', { scanned: progress.scanned, matched: progress.matched });
        }
        if (progress.kind === 'failure') {
          logger.error('role failed', {
            role: progress.failure.roleName,
            errorName: progress.failure.errorName,
            error: progress.failure.error,
          });
        }
      },
    });
    logger.info('reconcile finished', {
      scanned: summary.scanned,
      matched: summary.matched,
      ...summary.counts,
      failed: summary.failed,
      durationMs: summary.durationMs,
    });
    for (const status of REMEDIATION_STATUSES) {
      metrics.addMetric(metricName(status), MetricUnit.Count, summary.counts[status]);
    }
    metrics.addMetric('Failed', MetricUnit.Count, summary.failed);
    metrics.addMetric('ReconcileDuration', MetricUnit.Milliseconds, summary.durationMs);
    if (summary.failed > 0) {
      const sample = summary.failures.slice(0, 3).map((f) => `${f.roleName}: ${f.error}`);
      throw new ReconcileFailedError(
        `${summary.failed} of ${summary.matched} roles could not be checked or fixed (${sample.join('; ')}). ` +
          'See the "role failed" log lines; the next scheduled run retries them.',
      );
    }
    return summary;
  });
}

export const handler = onFirstUse(() => createReconcileHandler(reconcileDeps()));
