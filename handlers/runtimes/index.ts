import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type BedrockAgentCoreControlClient, GetAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import type { IAMClient } from '@aws-sdk/client-iam';
import { deliverAlert, type Notifier, notifierFor } from '../../src/alerts/notifier.js';
import type { AlertSubject } from '../../src/alerts/state.js';
import { agentCoreControlClientsByRegion } from '../../src/aws/agentcore-control-clients.js';
import { parseRoleArn } from '../../src/aws/arn.js';
import { createIamClient } from '../../src/aws/clients.js';
import { errorMessage, errorName } from '../../src/aws/errors.js';
import { InvocationClock, OutOfTimeError } from '../../src/aws/time-budget.js';
import { type Config, loadConfig } from '../../src/config.js';
import { readRuntimeEvent } from '../../src/events/runtime-event.js';
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
import { roleAlertFor, roleAlertSubject } from '../../src/remediation/finding-alert.js';
import { isRoleFinding } from '../../src/remediation/outcome.js';
import { logPolicyWrite } from '../../src/remediation/write-log.js';
import { runtimeRoleAlertSubject } from '../../src/runtime-roles/alert.js';
import { checkRuntimeRole, type RuntimeRole, type RuntimeRoleCheck } from '../../src/runtime-roles/check.js';

export type RuntimesResult =
  | EventRefusal
  | { status: 'rejected'; reason: 'malformed-role-arn' }
  | { status: 'runtime-gone'; agentRuntimeId: string }
  | { status: 'checked'; runtime: RuntimeRole; check: RuntimeRoleCheck };

export interface RuntimesDeps {
  config: Config;
  iam: IAMClient;
  clock: InvocationClock;
  controlClientFor: (region: string) => BedrockAgentCoreControlClient;
  notifier?: Notifier;
}

export function runtimesDeps(config: Config = loadConfig()): RuntimesDeps {
  const clock = new InvocationClock();
  return {
    config,
    iam: createIamClient(config, { budget: clock }),
    clock,
    controlClientFor: agentCoreControlClientsByRegion(),
    notifier: notifierFor(config),
  };
}

/**
 * CloudTrail `CreateAgentRuntime` / `UpdateAgentRuntime` in any region (forwarded to us-east-1) → the runtime as the
 * control plane describes it now → its execution role. A prefixed role goes to `ensureCodeInterpreterPolicy`; any
 * other is only checked with IAM's simulator and, when it cannot use the Code Interpreter, alerted with the fix.
 */
export function createRuntimesHandler(deps: RuntimesDeps): LambdaHandler<unknown, RuntimesResult> {
  const { config, iam, clock } = deps;
  const notifier = countingPublished(deps.notifier);
  return observed(
    async (event, context) => {
      const screened = screenEvent(readRuntimeEvent(event), context.invokedFunctionArn);
      if ('refusal' in screened) return screened.refusal;
      const read = screened.event;
      const started = performance.now();
      try {
        const runtime = await describeRuntime(deps.controlClientFor(read.region), read.agentRuntimeId, read.region);
        if (!runtime) {
          logger.info('runtime gone', {
            eventId: read.eventId,
            agentRuntimeId: read.agentRuntimeId,
            region: read.region,
          });
          return { status: 'runtime-gone', agentRuntimeId: read.agentRuntimeId };
        }
        if (!isRoleArn(runtime.roleArn)) {
          // The control plane holds a role ARN IAM cannot have: nothing to check, nothing to retry.
          logger.error('event rejected', {
            reason: 'malformed-role-arn',
            agentRuntimeArn: runtime.agentRuntimeArn,
            roleArn: runtime.roleArn,
          });
          metrics.addMetric('RejectedEvent', MetricUnit.Count, 1);
          return { status: 'rejected', reason: 'malformed-role-arn' };
        }
        const check = await checkRuntimeRole(runtime, { iam, settings: config, account: read.account, budget: clock });
        const status = statusOf(check);
        logger[isProblem(check) ? 'warn' : 'info']('runtime checked', {
          eventId: read.eventId,
          eventName: read.eventName,
          agentRuntimeArn: runtime.agentRuntimeArn,
          roleArn: runtime.roleArn,
          outcome: status,
          ...(check.kind === 'not-ours' && check.access.verdict !== 'allowed' ? { access: check.access } : {}),
          durationMs: Math.round(performance.now() - started),
        });
        if (check.kind === 'prefixed') {
          logPolicyWrite(check.outcome, {
            reason: read.eventName,
            policyName: config.policyName,
            eventId: read.eventId,
            agentRuntimeArn: runtime.agentRuntimeArn,
          });
        }
        metrics.addMetric(metricName(status), MetricUnit.Count, 1);
        const subject = alertFor(runtime, check, config);
        if (subject) await deliverAlert(notifier, subject);
        return { status: 'checked', runtime, check };
      } catch (error) {
        const outOfTime = error instanceof OutOfTimeError || clock.outOfTime;
        logger.error('runtime check failed', {
          eventId: read.eventId,
          agentRuntimeId: read.agentRuntimeId,
          region: read.region,
          errorName: errorName(error),
          error: errorMessage(error),
          outOfTime,
        });
        metrics.addMetric(outOfTime ? 'OutOfTime' : 'Failed', MetricUnit.Count, 1);
        throw error;
      }
    },
    { clock },
  );
}

function isRoleArn(arn: string): boolean {
  try {
    parseRoleArn(arn);
    return true;
  } catch {
    return false;
  }
}

export const handler = onFirstUse(() => createRuntimesHandler(runtimesDeps()));

/** The runtime as it is now; undefined when it was deleted since the event. */
async function describeRuntime(
  control: BedrockAgentCoreControlClient,
  agentRuntimeId: string,
  region: string,
): Promise<RuntimeRole | undefined> {
  try {
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId }));
    if (!got.agentRuntimeArn || !got.roleArn) return undefined;
    return {
      agentRuntimeArn: got.agentRuntimeArn,
      agentRuntimeName: got.agentRuntimeName ?? agentRuntimeId,
      region,
      roleArn: got.roleArn,
    };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** One word per result, for the log line and the metric: the remediation outcome, or `role-<verdict>`. */
function statusOf(check: RuntimeRoleCheck): string {
  return check.kind === 'prefixed' ? check.outcome.status : `role-${check.access.verdict}`;
}

function isProblem(check: RuntimeRoleCheck): boolean {
  return check.kind === 'prefixed' ? isRoleFinding(check.outcome) : check.access.verdict !== 'allowed';
}

/** The alert state this result feeds: every not-ours runtime (so a later break is a change), and role findings. */
function alertFor(runtime: RuntimeRole, check: RuntimeRoleCheck, config: Config): AlertSubject | undefined {
  if (check.kind === 'prefixed') {
    return isRoleFinding(check.outcome) ? roleAlertSubject(roleAlertFor(check.outcome)) : undefined;
  }
  return runtimeRoleAlertSubject({
    runtime,
    access: check.access,
    ...(check.stackName ? { stackName: check.stackName } : {}),
    policyName: config.policyName,
  });
}
