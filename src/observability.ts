import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

/**
 * The most one logged value keeps: characters of a string, items of an array, keys of an object. Events carry what
 * their sender chose (a role name, an error body, a list of agents), so one log line stays kilobytes, not megabytes.
 */
export const LOG_VALUE_LIMITS = { characters: 2_048, items: 50 } as const;

/** Shortens a value too long to log whole, with a marker saying how long it was; other values pass unchanged. */
export function boundedLogValue(_key: string, value: unknown): unknown {
  const { characters, items } = LOG_VALUE_LIMITS;
  if (typeof value === 'string') {
    if (value.length <= characters) return value;
    // Not half of a surrogate pair at the cut.
    const end = /[\uD800-\uDBFF]/.test(value.charAt(characters - 1)) ? characters - 1 : characters;
    return `${value.slice(0, end)}…[truncated: ${value.length} characters]`;
  }
  if (Array.isArray(value)) {
    if (value.length <= items) return value;
    return [...value.slice(0, items), `…[truncated: ${value.length} items]`];
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length <= items) return value;
    return {
      ...Object.fromEntries(keys.slice(0, items).map((k) => [k, value[k]])),
      '…': `[truncated: ${keys.length} keys]`,
    };
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** One Logger and one Metrics instance for the whole process. */
export const logger = new Logger({ serviceName: 'agentcore-guard', jsonReplacerFn: boundedLogValue });
export const metrics = new Metrics({ namespace: 'AgentCoreGuard', serviceName: 'agentcore-guard' });

/** `would-remediate` → `WouldRemediate`: outcome names as CloudWatch metric names. */
export function metricName(status: string): string {
  return status.replace(/(?:^|-)([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A notifier that also counts each alert SNS took (`AlertPublished`), beside the `AlertPublishFailed` its callers
 * count: the dashboard's alerts sent, for the functions that alert through a notifier (remediate, reconcile, runtimes).
 */
export function countingPublished<S, O extends { action: string }>(
  notifier: { notify(subject: S): Promise<O> } | undefined,
): { notify(subject: S): Promise<O> } | undefined {
  if (!notifier) return undefined;
  return {
    async notify(subject) {
      const outcome = await notifier.notify(subject);
      if (outcome.action === 'published') metrics.addMetric('AlertPublished', MetricUnit.Count, 1);
      return outcome;
    },
  };
}

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * What Powertools' `injectLambdaContext` and `logMetrics` middlewares do, without Middy at cold start: the invocation's
 * context on every log line, and its metrics flushed when it ends, however it ends. Also: the handler's clock is
 * started from the context, and an invocation still running when its time is nearly spent says so (a log line and
 * the OutOfTime metric) before Lambda stops the process without a word.
 */
export function observed<E, R>(
  handle: LambdaHandler<E, R>,
  options: { clock?: { start(context: Context): void } } = {},
): LambdaHandler<E, R> {
  return async (event, context) => {
    logger.addContext(context);
    options.clock?.start(context);
    const watchdog = setTimeout(
      () => {
        logger.error('out of time', { remainingMs: context.getRemainingTimeInMillis() });
        metrics.addMetric('OutOfTime', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      },
      Math.max(0, context.getRemainingTimeInMillis() - WATCHDOG_LEAD_MS),
    );
    watchdog.unref();
    try {
      return await handle(event, context);
    } finally {
      clearTimeout(watchdog);
      // Not when there are none: Powertools would warn about an empty flush on every such invocation.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/** How long before Lambda's deadline a still-running invocation reports itself. */
const WATCHDOG_LEAD_MS = 1_000;

/**
 * A module's `handler`: built from its default dependencies on the first invocation (a settings error is then an
 * invocation error with its message, not a failed init), and reused while the execution environment stays warm.
 */
export function onFirstUse<E, R>(create: () => LambdaHandler<E, R>): LambdaHandler<E, R> {
  let built: LambdaHandler<E, R> | undefined;
  return (event, context) => {
    built ??= create();
    return built(event, context);
  };
}
