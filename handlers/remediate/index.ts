import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import { deliverAlert, type Notifier, notifierFor } from '../../src/alerts/notifier.js';
import { createIamClient } from '../../src/aws/clients.js';
import { errorMessage, errorName } from '../../src/aws/errors.js';
import { InvocationClock, OutOfTimeError } from '../../src/aws/time-budget.js';
import { type Config, loadConfig } from '../../src/config.js';
import { readRoleEvent } from '../../src/events/role-event.js';
import { type EventRefusal, screenEvent } from '../../src/events/screen.js';
import {
  countingPublished,
  type LambdaHandler,
  logger,
  metricName,
  metrics,
  observed,
  onFirstUse,
} from '../../src/observability.js';
import { ensureCodeInterpreterPolicy } from '../../src/remediation/ensure.js';
import { roleAlertFor, roleAlertSubject } from '../../src/remediation/finding-alert.js';
import { isRoleFinding, type RemediationOutcome, type RoleFinding } from '../../src/remediation/outcome.js';
import { logPolicyWrite } from '../../src/remediation/write-log.js';

export type RemediateResult = RemediationOutcome | EventRefusal;

export interface RemediateDeps {
  config: Config;
  iam: IAMClient;
  /** The invocation's time, which the IAM client's retries and the wait for a new role respect. */
  clock: InvocationClock;
  /** Where a role that is not ours to write is reported; absent when no alerts topic is configured. */
  notifier?: Notifier;
}

export function remediateDeps(config: Config = loadConfig()): RemediateDeps {
  const clock = new InvocationClock();
  return {
    config,
    iam: createIamClient(config, { budget: clock }),
    clock,
    notifier: notifierFor(config),
  };
}

/**
 * CloudTrail `CreateRole`, `UpdateAssumeRolePolicy` and drift events → `ensureCodeInterpreterPolicy`.
 * Bad events, and events of another account, are logged once and acknowledged (retrying cannot fix them); AWS
 * failures are thrown so that Lambda's async retries and then the on-failure destination keep the event.
 */
export function createRemediateHandler(deps: RemediateDeps): LambdaHandler<unknown, RemediateResult> {
  const { config, iam, clock } = deps;
  const notifier = countingPublished(deps.notifier);
  return observed(
    async (event, context) => {
      const screened = screenEvent(readRoleEvent(event), context.invokedFunctionArn);
      if ('refusal' in screened) return screened.refusal;
      const read = screened.event;
      const started = performance.now();
      try {
        const outcome = await ensureCodeInterpreterPolicy(read.role, { iam, settings: config, budget: clock });
        const log = isRoleFinding(outcome) ? logger.warn.bind(logger) : logger.info.bind(logger);
        log('remediation finished', {
          eventId: read.eventId,
          eventName: read.eventName,
          role: read.role.roleName,
          outcome: outcome.status,
          ...(isRoleFinding(outcome) ? { detail: findingDetail(outcome) } : {}),
          durationMs: Math.round(performance.now() - started),
        });
        logPolicyWrite(outcome, { reason: read.eventName, policyName: config.policyName, eventId: read.eventId });
        metrics.addMetric(metricName(outcome.status), MetricUnit.Count, 1);
        if (isRoleFinding(outcome)) await deliverAlert(notifier, roleAlertSubject(roleAlertFor(outcome)));
        return outcome;
      } catch (error) {
        const outOfTime = error instanceof OutOfTimeError || clock.outOfTime;
        logger.error('remediation failed', {
          eventId: read.eventId,
          role: read.role.roleName,
          errorName: errorName(error),
          error: errorMessage(error),
          outOfTime,
          durationMs: Math.round(performance.now() - started),
        });
        metrics.addMetric(outOfTime ? 'OutOfTime' : 'Failed', MetricUnit.Count, 1);
        throw error;
      }
    },
    { clock },
  );
}

export const handler = onFirstUse(() => createRemediateHandler(remediateDeps()));

const findingDetail = (finding: RoleFinding) => (finding.status === 'untrusted' ? finding.reason : finding.path);
