import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import { publishAlert } from '../../src/alerts/publish.js';
import { agentCoreClientsByRegion } from '../../src/aws/agentcore-clients.js';
import { agentCoreControlClientsByRegion } from '../../src/aws/agentcore-control-clients.js';
import { createDynamoDbClient, createSnsClient } from '../../src/aws/alert-clients.js';
import { createIamClient } from '../../src/aws/clients.js';
import { errorMessage } from '../../src/aws/errors.js';
import { type Config, loadConfig } from '../../src/config.js';
import { readRunInput } from '../../src/health/input.js';
import type { PromptSkipReason } from '../../src/health/result.js';
import { type AgentReport, assertAlertsDelivered, runHealthCheck } from '../../src/health/run.js';
import { type LambdaHandler, logger, metricName, metrics, observed, onFirstUse } from '../../src/observability.js';
import { permissionProbeFor } from '../../src/permission/check.js';
import { buildProbe } from '../../src/probes/prompt.js';
import type { RemediationDeps } from '../../src/remediation/ensure.js';
import { logPolicyWrite } from '../../src/remediation/write-log.js';
import { optedOutOfPromptProbe } from '../../src/runtimes/discovery.js';
import type { ProbeTier } from '../../src/settings.js';

export interface HealthCheckSummary {
  /** The run's tier, from its input: `permission` (IAM only, no model tokens) or `all`. */
  probes: ProbeTier;
  checked: number;
  healthy: number;
  failing: number;
  /** Checked, but no verdict: no prompt ran and the role may use the Code Interpreter (or could not be simulated). */
  undecided: number;
  /** Agents left for the next run: this one ran out of time (too many agents for the timeout and concurrency). */
  skipped: number;
  agents: {
    agentRuntimeArn: string;
    verdict: string;
    reason?: string;
    /** Only without a verdict: why no prompt ran. */
    promptSkipped?: PromptSkipReason;
    permission?: string;
    alert?: string;
  }[];
}

/** An input the function cannot read: logged once and acknowledged, nothing checked. */
export interface HealthCheckRejected {
  status: 'rejected';
  reason: 'malformed';
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
    controlClientFor: agentCoreControlClientsByRegion(),
    agentCoreClientFor: agentCoreClientsByRegion(),
  };
}

/**
 * Scheduled: every agent, cheapest probe first, alert on change only. The input says how far to go:
 * `{"probes":"permission"}` (the hourly schedule) or `{"probes":"all"}` (the daily one; also a run without `probes`).
 */
export function createHealthCheckHandler(
  deps: HealthCheckDeps,
): LambdaHandler<unknown, HealthCheckSummary | HealthCheckRejected> {
  const { config, iam, ddb, sns } = deps;
  const { health } = config;
  const alertTopicArn = config.alerts.topicArn;
  if (!config.alerts.stateTable || !alertTopicArn) {
    logger.warn('alerts disabled', { reason: 'ALERT_STATE_TABLE or ALERT_TOPIC_ARN not set', verdictsOnly: true });
  }
  // The run keeps only a self-heal's status: each write is logged, with its change, as IAM takes it.
  const selfHeal: RemediationDeps | undefined = health.selfHeal
    ? {
        iam,
        settings: config,
        onWrite: (outcome) => logPolicyWrite(outcome, { reason: 'self-heal', policyName: config.policyName }),
      }
    : undefined;
  return observed(async (event, context) => {
    const input = readRunInput(event);
    if (input.kind === 'malformed') {
      logger.error('event rejected', { reason: 'malformed', problem: input.problem });
      metrics.addMetric('RejectedEvent', MetricUnit.Count, 1);
      return { status: 'rejected', reason: 'malformed' };
    }
    const { tier } = input;
    try {
      const reports = await runHealthCheck(health, {
        tier,
        controlClientFor: deps.controlClientFor,
        agentCoreClientFor: deps.agentCoreClientFor,
        newProbe: () =>
          buildProbe(health.probe, { customPrompt: health.customPrompt, customExpect: health.customExpect }),
        timeoutMs: health.probeTimeoutMs,
        remainingMs: () => context.getRemainingTimeInMillis(),
        directProbe: health.directProbe,
        // Every runtime's role, whatever it is called (read-only); self-heal writes only to roles that are ours.
        permissionProbe: permissionProbeFor(iam),
        optedOut: (target) => optedOutOfPromptProbe(target, { controlClientFor: deps.controlClientFor }),
        selfHeal,
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
      const summary = healthCheckSummary(tier, reports);
      const { checked, healthy, failing, undecided, skipped } = summary;
      logger.info('health check finished', { probes: tier, checked, healthy, failing, undecided, skipped });
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
  if (alert?.action === 'published') metrics.addMetric('AlertPublished', MetricUnit.Count, 1);
  if (alert?.action === 'publish-failed' || alertError) metrics.addMetric('AlertPublishFailed', MetricUnit.Count, 1);
  if (result.permission?.status === 'skipped') metrics.addMetric('PermissionProbeSkipped', MetricUnit.Count, 1);
  if (result.verdict === 'undecided') {
    // No AgentHealthy data point: an allowed role says nothing either way about the agent running code.
    metrics.addMetric('Undecided', MetricUnit.Count, 1);
    if (result.promptSkipped === 'tags-unreadable') metrics.addMetric('ProbeTagsUnreadable', MetricUnit.Count, 1);
    return;
  }
  metrics.addMetric(result.verdict === 'healthy' ? 'Healthy' : 'Failing', MetricUnit.Count, 1);
  if (result.reason) metrics.addMetric(metricName(result.reason), MetricUnit.Count, 1);
  const perAgent = metrics.singleMetric();
  perAgent.addDimension('Agent', result.agentName);
  perAgent.addMetric('AgentHealthy', MetricUnit.Count, result.verdict === 'healthy' ? 1 : 0);
}

function healthCheckSummary(probes: ProbeTier, reports: AgentReport[]): HealthCheckSummary {
  const count = (verdict: string) => reports.filter((r) => r.result?.verdict === verdict).length;
  return {
    probes,
    checked: reports.filter((r) => r.result).length,
    healthy: count('healthy'),
    failing: count('failing'),
    undecided: count('undecided'),
    skipped: reports.filter((r) => !r.result).length,
    agents: reports.map(({ agentRuntimeArn, result, alert, alertError }) => ({
      agentRuntimeArn,
      verdict: result?.verdict ?? 'skipped',
      reason: result && result.verdict !== 'undecided' ? result.reason : undefined,
      promptSkipped: result?.verdict === 'undecided' ? result.promptSkipped : undefined,
      permission: result?.verdict === 'undecided' ? result.permission?.status : undefined,
      alert: alertError ? 'error' : alert?.action,
    })),
  };
}
