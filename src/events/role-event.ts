import { parse } from '@aws-lambda-powertools/parser';
import * as v from 'valibot';
import { parseRoleArn } from '../aws/arn.js';
import type { RoleRef } from '../roles/role.js';
import { describeIssues } from './issues.js';

/**
 * The IAM calls the rules deliver: a new role, a changed trust policy (the trust gate must look again), and a change
 * to our inline policy (drift).
 */
export const ROLE_EVENT_NAMES = ['CreateRole', 'UpdateAssumeRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy'] as const;

/** The parts of an EventBridge "AWS API Call via CloudTrail" event for IAM that we rely on. */
const RoleApiCallEvent = v.object({
  id: v.string(),
  account: v.pipe(v.string(), v.regex(/^\d{12}$/)),
  source: v.literal('aws.iam'),
  'detail-type': v.literal('AWS API Call via CloudTrail'),
  detail: v.object({
    eventSource: v.literal('iam.amazonaws.com'),
    eventName: v.picklist(ROLE_EVENT_NAMES),
    eventID: v.optional(v.string()),
    errorCode: v.optional(v.string()),
    errorMessage: v.optional(v.string()),
    requestParameters: v.object({ roleName: v.pipe(v.string(), v.regex(/^[\w+=,.@-]{1,64}$/)) }),
    responseElements: v.nullish(v.object({ role: v.optional(v.object({ arn: v.optional(v.string()) })) })),
  }),
});

export type RoleEventResult =
  /** `account`: the account the call was made in, as the event says; the handler holds it against its own. */
  | { kind: 'role'; eventId: string; eventName: string; account: string; role: RoleRef }
  | { kind: 'failed-call'; eventId: string; eventName: string; account: string; roleName: string; errorCode: string }
  | { kind: 'malformed'; problems: string[] };

/** Never throws: anything that is not a well-formed IAM role event comes back as `malformed`. */
export function readRoleEvent(event: unknown): RoleEventResult {
  const parsed = parse(event, undefined, RoleApiCallEvent, true);
  if (!parsed.success) return { kind: 'malformed', problems: describeIssues(parsed.error) };
  const { id, account, detail } = parsed.data;
  const roleName = detail.requestParameters.roleName;
  if (detail.errorCode !== undefined) {
    return {
      kind: 'failed-call',
      eventId: id,
      eventName: detail.eventName,
      account,
      roleName,
      errorCode: detail.errorCode,
    };
  }
  const roleArn = detail.responseElements?.role?.arn;
  if (roleArn !== undefined && !namesRole(roleArn, roleName)) {
    return {
      kind: 'malformed',
      problems: [`detail.responseElements.role.arn: ${roleArn} does not name role ${roleName}`],
    };
  }
  return {
    kind: 'role',
    eventId: id,
    eventName: detail.eventName,
    account,
    // Only the name: what the role is, and where, is asked of IAM (an event's ARN may be forged).
    role: { roleName },
  };
}

function namesRole(roleArn: string, roleName: string): boolean {
  try {
    return parseRoleArn(roleArn).roleName === roleName;
  } catch {
    return false;
  }
}
