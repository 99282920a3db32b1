import pLimit from 'p-limit';
import { type AlertDeps, type AlertOutcome, readAlertState, recordAlertState } from '../alerts/state.js';
import { errorMessage } from '../aws/errors.js';
import type { HealthSettings } from '../config.js';
import { logger } from '../observability.js';
import { type AgentTarget, resolveTargets, type TargetDeps } from '../runtimes/discovery.js';
import { DEFAULTS, type ProbeTier } from '../settings.js';
import { healthAlertSubject } from './alert.js';
import { checkAgent, type HealthDeps } from './check.js';
import { type AgentCheck, type HealthResult, permissionDecision, type UndecidedResult } from './result.js';

export interface HealthRunDeps extends HealthDeps, TargetDeps {
  /** Absent in the CLI: results are printed, not alerted. */
  alerts?: AlertDeps;
  /** Agents described and checked at once (each probe waits on a model). */
  concurrency?: number;
  /** Milliseconds left for this run (Lambda's remaining time); agents that could not finish in time are skipped. */
  remainingMs?: () => number;
  /** `permission`: the permission probe only (IAM calls, no model tokens); `all` (the default): then the prompt. */
  tier?: ProbeTier;
}

export interface AgentReport {
  /** Absent when the agent was skipped for lack of time: no verdict, and its alert state is left alone. */
  result?: AgentCheck;
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
  const promptMs = deps.tier === 'permission' ? 0 : deps.timeoutMs * (deps.directProbe ? 2 : 1);
  const worstCaseMs = promptMs + 15_000;
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
  const check = await checkAgent(target, deps, deps.tier ?? 'all');
  logger.info('agent checked', {
    agentRuntimeArn: check.agentRuntimeArn,
    verdict: check.verdict,
    reason: check.verdict === 'undecided' ? undefined : check.reason,
    promptSkipped: check.verdict === 'undecided' ? check.promptSkipped : undefined,
    probe: check.probe,
    permission: check.permission?.status,
    remediation: permissionDecision(check.permission)?.remediation,
    durationMs: check.durationMs,
  });
  const agentRuntimeArn = check.agentRuntimeArn;
  if (!deps.alerts) return { result: check, agentRuntimeArn };
  try {
    const result = await verdictForAlerts(check, deps.alerts);
    if (!result) return { result: check, agentRuntimeArn };
    const alert = await recordAlertState(healthAlertSubject(result), deps.alerts);
    const log = alert.action === 'publish-failed' ? logger.error.bind(logger) : logger.info.bind(logger);
    log('alert decided', { agentRuntimeArn, ...alert });
    return { result, alert, agentRuntimeArn };
  } catch (error) {
    logger.error('alert state not recorded', { agentRuntimeArn, error: errorMessage(error) });
    return { result: check, alertError: errorMessage(error), agentRuntimeArn };
  }
}

/**
 * What the agent's alert state is told of this check. A verdict, as it is. A check without one (no prompt ran, and the
 * role may use the Code Interpreter) leaves the state alone: an allowed role is not an agent that runs code, so it
 * neither announces a recovery from a prompt's failure nor records a first "healthy". One exception: when the last
 * thing observed was the permission probe's own denial, the allowed role answers that failure; it is recorded as
 * healthy, decided by the permission probe, and its recovery alert says that the prompt has yet to prove it.
 */
async function verdictForAlerts(check: AgentCheck, alerts: AlertDeps): Promise<HealthResult | undefined> {
  if (check.verdict !== 'undecided') return check;
  if (check.permission?.status !== 'allowed') return undefined;
  const state = await readAlertState(alerts.ddb, alerts.tableName, check.agentRuntimeArn);
  if (state?.status !== 'failing' || state.lastObserved !== 'permission-denied') return undefined;
  return allowedAgain(check);
}

/** An allowed role after a `permission-denied` failure, as the verdict that closes it. */
function allowedAgain(check: UndecidedResult): HealthResult {
  const { verdict: _undecided, promptSkipped, ...rest } = check;
  return {
    ...rest,
    verdict: 'healthy',
    decidedBy: 'permission',
    detail: `The execution role may use the Code Interpreter again (permission probe). ${UNPROVEN[promptSkipped]}`,
    excerpt: '',
  };
}

const UNPROVEN: Record<UndecidedResult['promptSkipped'], string> = {
  'permission-only-run':
    'No prompt was sent in this permission-only run: the next prompt probe proves the agent runs code.',
  'opted-out': 'The runtime is tagged agentcore-guard:probe=off: no prompt proves the agent runs code.',
  'tags-unreadable':
    'Its tags could not be read, so no prompt was sent: a later prompt probe proves the agent runs code.',
};
