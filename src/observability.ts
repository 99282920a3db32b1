import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger and one Metrics instance for the whole process. */
export const logger = new Logger({ serviceName: 'agentcore-guard' });
export const metrics = new Metrics({ namespace: 'AgentCoreGuard', serviceName: 'agentcore-guard' });

/** `would-remediate` → `WouldRemediate`: outcome names as CloudWatch metric names. */
export function metricName(status: string): string {
  return status.replace(/(?:^|-)([a-z])/g, (_, c: string) => c.toUpperCase());
}
