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
