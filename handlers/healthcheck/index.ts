import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import { publishAlert } from '../../src/alerts/publish.js';
import { createDynamoDbClient, createSnsClient } from '../../src/aws/alert-clients.js';
import { resourceName } from '../../src/aws/arn.js';
import { agentCoreClientFor, agentCoreControlClientFor, createIamClient } from '../../src/aws/clients.js';
import { errorMessage } from '../../src/aws/errors.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type AgentReport, assertAlertsDelivered, runHealthCheck } from '../../src/health/run.js';
import { type LambdaHandler, logger, metricName, metrics, observed, onFirstUse } from '../../src/observability.js';
import { permissionProbeFor } from '../../src/permission/check.js';
import { buildProbe } from '../../src/probes/prompt.js';
import { isManagedRoleName } from '../../src/roles/ownership.js';

export interface HealthCheckSummary {
  checked: number;
  healthy: number;
  failing: number;
  /** Agents left for the next run: this one ran out of time (too many agents for the timeout and concurrency). */
  skipped: number;
  agents: { agentRuntimeArn: string; verdict: string; reason?: string; alert?: string }[];
}

export interface HealthCheckDeps {
  config: Config;
  iam: IAMClient;
  ddb: DynamoDBClient;
  sns: SNSClient;
  controlClientFor: (region: string) => BedrockAgentCoreControlClient;
  agentCoreClientFor: (region: string) => BedrockAgentCoreClient;
}

export function healthCheckDeps(config: Config = loadConfig()): HealthCheckDeps {
  return {
    config,
    iam: createIamClient(config),
    ddb: createDynamoDbClient(config.region),
    sns: createSnsClient(config.region),
    controlClientFor: agentCoreControlClientFor,
    agentCoreClientFor,
  };
}

/** Scheduled: every agent, cheapest probe first, alert on change only. */
export function createHealthCheckHandler(deps: HealthCheckDeps): LambdaHandler<unknown, HealthCheckSummary> {
  const { config, iam, ddb, sns } = deps;
  const { health } = config;
  const alertTopicArn = config.alerts.topicArn;
  if (!config.alerts.stateTable || !alertTopicArn) {
    logger.warn('alerts disabled', { reason: 'ALERT_STATE_TABLE or ALERT_TOPIC_ARN not set', verdictsOnly: true });
  }
  return observed(async (_event, context) => {
    try {
      const reports = await runHealthCheck(health, {
        controlClientFor: deps.controlClientFor,
        agentCoreClientFor: deps.agentCoreClientFor,
        newProbe: () =>
          buildProbe(health.probe, { customPrompt: health.customPrompt, customExpect: health.customExpect }),
        timeoutMs: health.probeTimeoutMs,
        remainingMs: () => context.getRemainingTimeInMillis(),
        directProbe: health.directProbe,
        permissionProbe: permissionProbeFor(iam),
        // The function may read (and heal) only roles with a configured prefix; others go straight to the prompt.
        probesRole: (roleArn) => isManagedRoleName(resourceName(roleArn), config.rolePrefixes),
        selfHeal: health.selfHeal ? { iam, settings: config } : undefined,
        alerts:
          config.alerts.stateTable && alertTopicArn
            ? {
                ddb,
                tableName: config.alerts.stateTable,
                publish: (alert) => publishAlert(sns, alertTopicArn, alert),
                reminderMs: health.alertReminderMs,
              }
            : undefined,
      });
      reports.forEach(emitMetrics);
      const summary = healthCheckSummary(reports);
      const { checked, healthy, failing, skipped } = summary;
      logger.info('health check finished', { checked, healthy, failing, skipped });
      // After every agent was checked and its metrics counted (AlertPublishFailed raises the alerts-undelivered alarm).
      assertAlertsDelivered(reports);
      return summary;
    } catch (error) {
      logger.error('health check failed', { error: errorMessage(error) });
      metrics.addMetric('HealthCheckFailed', MetricUnit.Count, 1);
      throw error;
    }
  });
}

export const handler = onFirstUse(() => createHealthCheckHandler(healthCheckDeps()));

function emitMetrics({ result, alert, alertError }: AgentReport) {
  if (!result) {
    metrics.addMetric('AgentSkipped', MetricUnit.Count, 1);
    return;
  }
  metrics.addMetric(result.verdict === 'healthy' ? 'Healthy' : 'Failing', MetricUnit.Count, 1);
  if (result.reason) metrics.addMetric(metricName(result.reason), MetricUnit.Count, 1);
  if (alert?.action === 'published') metrics.addMetric('AlertPublished', MetricUnit.Count, 1);
  if (alert?.action === 'publish-failed' || alertError) metrics.addMetric('AlertPublishFailed', MetricUnit.Count, 1);
  const perAgent = metrics.singleMetric();
  perAgent.addDimension('Agent', result.agentName);
  perAgent.addMetric('AgentHealthy', MetricUnit.Count, result.verdict === 'healthy' ? 1 : 0);
}

function healthCheckSummary(reports: AgentReport[]): HealthCheckSummary {
  return {
    checked: reports.filter((r) => r.result).length,
    healthy: reports.filter((r) => r.result?.verdict === 'healthy').length,
    failing: reports.filter((r) => r.result?.verdict === 'failing').length,
    skipped: reports.filter((r) => !r.result).length,
    agents: reports.map(({ agentRuntimeArn, result, alert, alertError }) => ({
      agentRuntimeArn,
      verdict: result?.verdict ?? 'skipped',
      reason: result?.reason,
      alert: alertError ? 'error' : alert?.action,
    })),
  };
}
