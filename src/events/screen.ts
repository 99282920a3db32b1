import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parse } from '@aws-sdk/util-arn-parser';
import { logger, metrics } from '../observability.js';

/** What a CloudTrail-event function answers for an event it will not act on. */
export type EventRefusal =
  | { status: 'rejected'; reason: 'malformed' | 'foreign-account' }
  | { status: 'skipped-failed-call' };

/** An event as its reader returns it: unreadable, a call that failed, or one to act on. */
type ReadEvent =
  | { kind: 'malformed'; problems: string[] }
  | { kind: 'failed-call'; eventId: string; account: string; errorCode: string; roleName?: string }
  | { kind: string; eventId: string; account: string };

type Actionable<T> = Exclude<T, { kind: 'malformed' } | { kind: 'failed-call' }>;

/**
 * The checks every CloudTrail-event function makes before acting, in order: a malformed event is rejected (retrying
 * cannot fix it), then an event of another account than the function's own, then a call that failed is skipped. Each
 * is logged once and acknowledged.
 */
export function screenEvent<T extends ReadEvent>(
  read: T,
  invokedFunctionArn: string,
): { refusal: EventRefusal } | { event: Actionable<T> } {
  const event = read as ReadEvent;
  if (event.kind === 'malformed' && 'problems' in event) {
    logger.error('event rejected', { reason: 'malformed', problems: event.problems });
    metrics.addMetric('RejectedEvent', MetricUnit.Count, 1);
    return { refusal: { status: 'rejected', reason: 'malformed' } };
  }
  const { eventId, account } = event as { eventId: string; account: string };
  if (account !== parse(invokedFunctionArn).accountId) {
    // The rules take only this account's events; one that gets here anyway was put on the bus by someone.
    logger.error('event rejected', { reason: 'foreign-account', eventId, account });
    metrics.addMetric('RejectedEvent', MetricUnit.Count, 1);
    return { refusal: { status: 'rejected', reason: 'foreign-account' } };
  }
  if (event.kind === 'failed-call' && 'errorCode' in event) {
    const role = 'roleName' in event ? { role: event.roleName } : {};
    logger.warn('event skipped', { reason: 'failed-call', eventId, ...role, errorCode: event.errorCode });
    return { refusal: { status: 'skipped-failed-call' } };
  }
  return { event: read as Actionable<T> };
}
