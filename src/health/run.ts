import pLimit from 'p-limit';
import { type AlertDeps, type AlertOutcome, recordAlertState } from '../alerts/state.js';
import { errorMessage } from '../aws/errors.js';
import type { HealthSettings } from '../config.js';
import { logger } from '../observability.js';
import { type AgentTarget, resolveTargets, type TargetDeps } from '../runtimes/discovery.js';
import { DEFAULTS } from '../settings.js';
import { healthAlertSubject } from './alert.js';
import { checkAgentHealth, type HealthDeps } from './check.js';
import { type HealthResult, permissionDecision } from './result.js';

export interface HealthRunDeps extends HealthDeps, TargetDeps {
  /** Absent in the CLI: results are printed, not alerted. */
  alerts?: AlertDeps;
  /** Agents described and checked at once (each probe waits on a model). */
  concurrency?: number;
  /** Milliseconds left for this run (Lambda's remaining time); agents that could not finish in time are skipped. */
  remainingMs?: () => number;
}

export interface AgentReport {
  /** Absent when the agent was skipped for lack of time: no verdict, and its alert state is left alone. */
  result?: HealthResult;
  agentRuntimeArn: string;
  alert?: AlertOutcome;
  /** Set when recording or alerting failed for this agent (the others still ran). */
  alertError?: string;
}

/**
 * Alerts that were due but did not reach the alerts topic in a run that otherwise finished: SNS refused them, or their
 * state could not be recorded. Their rows were left as they were, so the next run decides and sends them again.
 */
export class AlertDeliveryError extends Error {
  override name = 'AlertDeliveryError';
  constructor(readonly undelivered: readonly UndeliveredAlert[]) {
    const shown = undelivered
      .slice(0, 3)
      .map((u) => `${u.agentRuntimeArn}: ${u.problem}`)
      .join('; ');
    const more = undelivered.length > 3 ? `; and ${undelivered.length - 3} more` : '';
    super(
      `${undelivered.length} alert(s) could not be delivered (${shown}${more}). Every agent was checked and the next run sends these alerts again. Check the alerts topic (ALERT_TOPIC_ARN), its KMS key and topic policy, the health table, and the healthcheck role's sns:Publish; the alerts-undelivered alarm reports this on the alert-failures topic meanwhile.`,
    );
  }
}

export interface UndeliveredAlert {
  agentRuntimeArn: string;
  problem: string;
}

/** Throws `AlertDeliveryError` when any agent's alert was not delivered; called once every agent was processed. */
export function assertAlertsDelivered(reports: readonly AgentReport[]): void {
  const undelivered = reports.flatMap(({ agentRuntimeArn, alert, alertError }): UndeliveredAlert[] => {
    if (alert?.action === 'publish-failed') {
      return [{ agentRuntimeArn, problem: `SNS refused the ${alert.kind} alert: ${alert.error}` }];
    }
    if (alertError) return [{ agentRuntimeArn, problem: `alert state not recorded: ${alertError}` }];
    return [];
  });
  if (undelivered.length > 0) throw new AlertDeliveryError(undelivered);
}

/** Every target, checked and (when configured) alerted; one agent's trouble does not stop the others. */
export async function runHealthCheck(
  settings: Pick<HealthSettings, 'agentRuntimeArns' | 'discoveryRegions'>,
  deps: HealthRunDeps,
): Promise<AgentReport[]> {
  const concurrency = deps.concurrency ?? DEFAULTS.healthConcurrency;
  const targets = await resolveTargets(settings, { ...deps, concurrency });
  logger.info('health check targets', { count: targets.length, agents: targets.map((t) => t.agentRuntimeArn) });
  // One agent may take the prompt's timeout, and as long again for the direct probe, plus the bookkeeping.
  const worstCaseMs = deps.timeoutMs * (deps.directProbe ? 2 : 1) + 15_000;
  const limit = pLimit(concurrency);
  return Promise.all(
    targets.map((target) =>
      limit(async () => {
        if (deps.remainingMs && deps.remainingMs() < worstCaseMs) {
          logger.warn('agent skipped', {
            agentRuntimeArn: target.agentRuntimeArn,
            reason: 'not enough time left in this run',
          });
          return { agentRuntimeArn: target.agentRuntimeArn };
        }
        return checkOne(target, deps);
      }),
    ),
  );
}

async function checkOne(target: AgentTarget, deps: HealthRunDeps): Promise<AgentReport> {
  const result = await checkAgentHealth(target, deps);
  logger.info('agent checked', {
    agentRuntimeArn: result.agentRuntimeArn,
    verdict: result.verdict,
    reason: result.reason,
    probe: result.probe,
    permission: result.permission?.status,
    remediation: permissionDecision(result.permission)?.remediation,
    durationMs: result.durationMs,
  });
  const agentRuntimeArn = result.agentRuntimeArn;
  if (!deps.alerts) return { result, agentRuntimeArn };
  try {
    const alert = await recordAlertState(healthAlertSubject(result), deps.alerts);
    const log = alert.action === 'publish-failed' ? logger.error.bind(logger) : logger.info.bind(logger);
    log('alert decided', { agentRuntimeArn: result.agentRuntimeArn, ...alert });
    return { result, alert, agentRuntimeArn };
  } catch (error) {
    logger.error('alert state not recorded', { agentRuntimeArn: result.agentRuntimeArn, error: errorMessage(error) });
    return { result, alertError: errorMessage(error), agentRuntimeArn };
  }
}
