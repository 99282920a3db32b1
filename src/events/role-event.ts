import { parse } from '@aws-lambda-powertools/parser';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { parseRoleArn } from '../aws/arn.js';
import type { RoleRef } from '../roles/role.js';

/** The parts of an EventBridge "AWS API Call via CloudTrail" event for IAM that we rely on. */
const RoleApiCallEvent = v.object({
  id: v.string(),
  source: v.literal('aws.iam'),
  'detail-type': v.literal('AWS API Call via CloudTrail'),
  detail: v.object({
    eventSource: v.literal('iam.amazonaws.com'),
    eventName: v.picklist(['CreateRole', 'PutRolePolicy', 'DeleteRolePolicy']),
    eventID: v.optional(v.string()),
    errorCode: v.optional(v.string()),
    errorMessage: v.optional(v.string()),
    requestParameters: v.object({ roleName: v.pipe(v.string(), v.regex(/^[\w+=,.@-]{1,64}$/)) }),
    responseElements: v.nullish(v.object({ role: v.optional(v.object({ arn: v.optional(v.string()) })) })),
  }),
});

export type RoleEventResult =
  | { kind: 'role'; eventId: string; eventName: string; role: RoleRef }
  | { kind: 'failed-call'; eventId: string; eventName: string; roleName: string; errorCode: string }
  | { kind: 'malformed'; problems: string[] };

/** Never throws: anything that is not a well-formed IAM role event comes back as `malformed`. */
export function readRoleEvent(event: unknown): RoleEventResult {
  const parsed = parse(event, undefined, RoleApiCallEvent, true);
  if (!parsed.success) return { kind: 'malformed', problems: describeIssues(parsed.error) };
  const { id, detail } = parsed.data;
  const roleName = detail.requestParameters.roleName;
  if (detail.errorCode !== undefined) {
    return { kind: 'failed-call', eventId: id, eventName: detail.eventName, roleName, errorCode: detail.errorCode };
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
    role: roleArn ? { roleName, roleArn } : { roleName },
  };
}

function namesRole(roleArn: string, roleName: string): boolean {
  try {
    return parseRoleArn(roleArn).roleName === roleName;
  } catch {
    return false;
  }
}

/** Powertools' ParseError carries the schema's issues (Standard Schema shape) as its cause. */
function describeIssues(error: Error): string[] {
  const issues = Array.isArray(error.cause) ? (error.cause as StandardSchemaV1.Issue[]) : [];
  if (issues.length === 0) return [error.message];
  return issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return `${path || '(event)'}: ${issue.message}`;
  });
}
