import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import { AlertNotDeliveredError, type Notifier, notifierFor } from '../../src/alerts/notifier.js';
import { createIamClient } from '../../src/aws/clients.js';
import { errorMessage } from '../../src/aws/errors.js';
import { InvocationClock } from '../../src/aws/time-budget.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type LambdaHandler, logger, metricName, metrics, observed, onFirstUse } from '../../src/observability.js';
import { type RoleAlert, roleAlertFor, roleAlertSubject } from '../../src/remediation/finding-alert.js';
import { isRoleFinding, REMEDIATION_STATUSES } from '../../src/remediation/outcome.js';
import { type SweepSummary, sweepRoles } from '../../src/remediation/sweep.js';
import { logPolicyWrite } from '../../src/remediation/write-log.js';

export class ReconcileFailedError extends Error {
  override name = 'ReconcileFailedError';
}

export interface ReconcileDeps {
  config: Config;
  iam: IAMClient;
  clock: InvocationClock;
  notifier?: Notifier;
}

export function reconcileDeps(config: Config = loadConfig()): ReconcileDeps {
  const clock = new InvocationClock();
  return {
    config,
    iam: createIamClient(config, { budget: clock }),
    clock,
    notifier: notifierFor(config),
  };
}

/**
 * Schedule → every role with a configured prefix → `ensureCodeInterpreterPolicy` (backfill and drift repair).
 * Per-role failures are logged as they happen and do not stop the sweep. A role that is not ours to write (trust,
 * path) or that retrying cannot fix (no room for our policy) is alerted once and counted, run after run. A transient
 * failure ends the run with an error, so the errors alarm sees it; the next scheduled run tries again (the function
 * is not retried: a retry would sweep every role once more).
 */
export function createReconcileHandler(deps: ReconcileDeps): LambdaHandler<unknown, SweepSummary> {
  const { config, iam, clock } = deps;
  return observed(
    async () => {
      const alerts: RoleAlert[] = [];
      const summary = await sweepRoles({
        iam,
        settings: config,
        budget: clock,
        concurrency: config.sweepConcurrency,
        onProgress: (progress) => {
          if (progress.kind === 'listed') {
            logger.info('roles listed', { scanned: progress.scanned, matched: progress.matched });
          }
          if (progress.kind === 'outcome') {
            logPolicyWrite(progress.outcome, { reason: 'sweep', policyName: config.policyName });
            if (isRoleFinding(progress.outcome)) alerts.push(roleAlertFor(progress.outcome));
          }
          if (progress.kind === 'failure') {
            const { failure } = progress;
            logger.error('role failed', {
              role: failure.roleName,
              errorName: failure.errorName,
              error: failure.error,
              permanent: failure.permanent,
            });
            if (failure.permanent && failure.roleArn) {
              alerts.push({
                problem: 'no-room',
                roleName: failure.roleName,
                roleArn: failure.roleArn,
                roleId: failure.roleId ?? '',
                detail: failure.error,
              });
            }
          }
        },
      });
      logger.info('reconcile finished', {
        scanned: summary.scanned,
        matched: summary.matched,
        ...summary.counts,
        failed: summary.failed,
        failedPermanently: summary.failedPermanently,
        durationMs: summary.durationMs,
      });
      for (const status of REMEDIATION_STATUSES) {
        metrics.addMetric(metricName(status), MetricUnit.Count, summary.counts[status]);
      }
      metrics.addMetric('Failed', MetricUnit.Count, summary.failed - summary.failedPermanently);
      metrics.addMetric('FailedPermanently', MetricUnit.Count, summary.failedPermanently);
      metrics.addMetric('ReconcileDuration', MetricUnit.Milliseconds, summary.durationMs);
      const undelivered = await reportAll(alerts, deps.notifier);
      const transient = summary.failures.filter((f) => !f.permanent);
      if (transient.length > 0) {
        const sample = transient.slice(0, 3).map((f) => `${f.roleName}: ${f.error}`);
        throw new ReconcileFailedError(
          `${transient.length} of ${summary.matched} roles could not be checked or fixed (${sample.join('; ')}). ` +
            'See the "role failed" log lines; the next scheduled run tries them again.',
        );
      }
      if (undelivered > 0) {
        throw new AlertNotDeliveredError(
          `${undelivered} role alert(s) could not be published; the next scheduled run sends them again.`,
        );
      }
      return summary;
    },
    { clock },
  );
}

export const handler = onFirstUse(() => createReconcileHandler(reconcileDeps()));

/** Each role's alert, once (the alert state remembers); returns how many could not be published. */
async function reportAll(alerts: RoleAlert[], notifier: Notifier | undefined): Promise<number> {
  if (!notifier) return 0;
  let undelivered = 0;
  for (const alert of alerts) {
    try {
      const outcome = await notifier.notify(roleAlertSubject(alert));
      if (outcome.action === 'publish-failed') undelivered++;
      if (outcome.action === 'published') metrics.addMetric('AlertPublished', MetricUnit.Count, 1);
    } catch (error) {
      logger.error('role alert not recorded', { role: alert.roleName, error: errorMessage(error) });
      undelivered++;
    }
  }
  if (undelivered > 0) metrics.addMetric('AlertPublishFailed', MetricUnit.Count, undelivered);
  return undelivered;
}
