import { parse } from '@aws-lambda-powertools/parser';
import * as v from 'valibot';
import { REGION_PATTERN, RUNTIME_EVENTS } from '../settings.js';
import { describeIssues } from './issues.js';

const RUNTIME_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The parts of an EventBridge "AWS API Call via CloudTrail" event for AgentCore that we rely on: which runtime changed,
 * in which account and region. A runtime event is regional; forwarded from another region it keeps its own region.
 */
const RuntimeApiCallEvent = v.object({
  id: v.string(),
  account: v.pipe(v.string(), v.regex(/^\d{12}$/)),
  source: v.literal(RUNTIME_EVENTS.source),
  'detail-type': v.literal(RUNTIME_EVENTS.detailType),
  detail: v.object({
    eventSource: v.literal(RUNTIME_EVENTS.eventSource),
    eventName: v.picklist(RUNTIME_EVENTS.eventNames),
    awsRegion: v.pipe(v.string(), v.regex(REGION_PATTERN)),
    errorCode: v.optional(v.string()),
    requestParameters: v.nullish(
      v.object({
        agentRuntimeId: v.optional(v.pipe(v.string(), v.regex(RUNTIME_ID))),
        agentRuntimeName: v.optional(v.string()),
      }),
    ),
    responseElements: v.nullish(
      v.object({
        agentRuntimeId: v.optional(v.pipe(v.string(), v.regex(RUNTIME_ID))),
      }),
    ),
  }),
});

export type RuntimeEventResult =
  | { kind: 'runtime'; eventId: string; eventName: string; account: string; region: string; agentRuntimeId: string }
  | { kind: 'failed-call'; eventId: string; eventName: string; account: string; errorCode: string }
  | { kind: 'malformed'; problems: string[] };

/**
 * Never throws: anything that is not a well-formed AgentCore runtime event is `malformed`. Only which runtime changed
 * is taken from the event; what it is now (its role among it) is asked of the control plane.
 */
export function readRuntimeEvent(event: unknown): RuntimeEventResult {
  const parsed = parse(event, undefined, RuntimeApiCallEvent, true);
  if (!parsed.success) return { kind: 'malformed', problems: describeIssues(parsed.error) };
  const { id, account, detail } = parsed.data;
  if (detail.errorCode !== undefined) {
    return { kind: 'failed-call', eventId: id, eventName: detail.eventName, account, errorCode: detail.errorCode };
  }
  const agentRuntimeId = detail.responseElements?.agentRuntimeId ?? detail.requestParameters?.agentRuntimeId;
  if (!agentRuntimeId) {
    return { kind: 'malformed', problems: ['detail: neither the response nor the request names the agent runtime id'] };
  }
  return {
    kind: 'runtime',
    eventId: id,
    eventName: detail.eventName,
    account,
    region: detail.awsRegion,
    agentRuntimeId,
  };
}
