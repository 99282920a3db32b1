import { type AlertDeps, type AlertOutcome, recordHealthResult } from '../alerts/state.js';
import { errorMessage } from '../aws/errors.js';
import type { HealthSettings } from '../config.js';
import { logger } from '../observability.js';
import { checkAgentHealth, type HealthDeps } from './health.js';
import { type AgentTarget, resolveTargets, type TargetDeps } from './targets.js';
import type { HealthResult } from './verdict.js';

export interface HealthRunDeps extends HealthDeps, TargetDeps {
  /** Absent in the CLI: results are printed, not alerted. */
  alerts?: AlertDeps;
  /** Agents checked at once (each probe waits on a model). */
  concurrency?: number;
}

export interface AgentReport {
  result: HealthResult;
  alert?: AlertOutcome;
  /** Set when recording or alerting failed for this agent (the others still ran). */
  alertError?: string;
}

/** Every target, checked and (when configured) alerted; one agent's trouble does not stop the others. */
export async function runHealthCheck(
  settings: Pick<HealthSettings, 'agentRuntimeArns' | 'discoveryRegions'>,
  deps: HealthRunDeps,
): Promise<AgentReport[]> {
  const targets = await resolveTargets(settings, deps);
  logger.info('health check targets', { count: targets.length, agents: targets.map((t) => t.agentRuntimeArn) });
  return mapLimited(targets, deps.concurrency ?? 4, (target) => checkOne(target, deps));
}

async function checkOne(target: AgentTarget, deps: HealthRunDeps): Promise<AgentReport> {
  const result = await checkAgentHealth(target, deps);
  logger.info('agent checked', {
    agentRuntimeArn: result.agentRuntimeArn,
    verdict: result.verdict,
    reason: result.reason,
    probe: result.probe,
    remediation: result.permission?.remediation,
    durationMs: result.durationMs,
  });
  if (!deps.alerts) return { result };
  try {
    const alert = await recordHealthResult(result, deps.alerts);
    const log = alert.action === 'publish-failed' ? logger.error.bind(logger) : logger.info.bind(logger);
    log('alert decided', { agentRuntimeArn: result.agentRuntimeArn, ...alert });
    return { result, alert };
  } catch (error) {
    logger.error('alert state not recorded', { agentRuntimeArn: result.agentRuntimeArn, error: errorMessage(error) });
    return { result, alertError: errorMessage(error) };
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
