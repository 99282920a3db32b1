import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Powertools' ParseError carries the schema's issues (Standard Schema shape) as its cause. */
export function describeIssues(error: Error): string[] {
  const issues = Array.isArray(error.cause) ? (error.cause as StandardSchemaV1.Issue[]) : [];
  if (issues.length === 0) return [clip(error.message)];
  return issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return clip(`${path || '(event)'}: ${issue.message}`);
  });
}

/** A schema message quotes the value it refused, which an event can make megabytes long. */
const MAX_PROBLEM_LENGTH = 300;
const clip = (text: string) =>
  text.length <= MAX_PROBLEM_LENGTH ? text : `${text.slice(0, MAX_PROBLEM_LENGTH)}… (${text.length} characters)`;
