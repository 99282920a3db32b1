import { parse } from '@aws-lambda-powertools/parser';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as z from 'zod/mini';
import type { RoleRef } from '../remediation/outcome.js';

/** The parts of an EventBridge "AWS API Call via CloudTrail" event for IAM that we rely on. */
const RoleApiCallEvent = z.object({
  id: z.string(),
  source: z.literal('aws.iam'),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  detail: z.object({
    eventSource: z.literal('iam.amazonaws.com'),
    eventName: z.enum(['CreateRole', 'PutRolePolicy', 'DeleteRolePolicy']),
    eventID: z.optional(z.string()),
    errorCode: z.optional(z.string()),
    errorMessage: z.optional(z.string()),
    requestParameters: z.object({ roleName: z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)) }),
    responseElements: z.optional(z.nullable(z.object({ role: z.optional(z.object({ arn: z.optional(z.string()) })) }))),
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
  if (roleArn !== undefined && !roleArn.endsWith(`:role/${roleName}`) && !roleArn.endsWith(`/${roleName}`)) {
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

/** Powertools' ParseError carries the schema's issues (Standard Schema shape) as its cause. */
function describeIssues(error: Error): string[] {
  const issues = Array.isArray(error.cause) ? (error.cause as StandardSchemaV1.Issue[]) : [];
  if (issues.length === 0) return [error.message];
  return issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return `${path || '(event)'}: ${issue.message}`;
  });
}
