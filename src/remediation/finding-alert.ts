import { type AlertKind, type AlertMessage, composeAlert } from '../alerts/messages.js';
import type { AlertSubject } from '../alerts/state.js';
import { AGENTCORE_SERVICE_PRINCIPAL } from '../roles/trust.js';
import type { RoleFinding } from './outcome.js';

/**
 * A prefixed role that agentcore-guard will not write to, and that a person should look at: one that fails the trust
 * gate, one at a path, or one whose inline policies leave no room for ours. Alerted once per role (its RoleId, so a
 * role deleted and made again under the same name is a new one), never again while it stays so.
 */
export interface RoleAlert {
  problem: 'untrusted' | 'unsupported-path' | 'no-room';
  roleName: string;
  roleArn: string;
  roleId: string;
  /** Why, as a clause or a sentence of its own. */
  detail: string;
  /** Only for `untrusted`. */
  carriesOurPolicy?: boolean;
  removed?: boolean;
}

/** The alert of a role finding (untrusted, at a path) from `ensureCodeInterpreterPolicy`. */
export function roleAlertFor(finding: RoleFinding): RoleAlert {
  return finding.status === 'untrusted'
    ? { problem: 'untrusted', ...finding, detail: finding.reason }
    : { problem: 'unsupported-path', ...finding, detail: finding.path };
}

export function roleAlertSubject(alert: RoleAlert): AlertSubject {
  return {
    key: `role:${alert.roleId || alert.roleArn}`,
    status: 'failing',
    reason: alert.problem,
    observed: alert.problem,
    message: (kind) => formatRoleAlert(kind, alert),
  };
}

const LABEL: Record<RoleAlert['problem'], string> = {
  untrusted: 'UNTRUSTED ROLE',
  'unsupported-path': 'ROLE AT A PATH',
  'no-room': 'NO ROOM FOR POLICY',
};

export function formatRoleAlert(kind: AlertKind, alert: RoleAlert): AlertMessage {
  const { roleName, roleArn } = alert;
  const headline = {
    untrusted: `${roleName} has an AgentCore prefix but trusts more than AgentCore: not written`,
    'unsupported-path': `${roleName} has an AgentCore prefix but sits at a path: not written`,
    'no-room': `${roleName} has no room for the Code Interpreter policy: not written`,
  }[alert.problem];
  const what = {
    untrusted:
      `agentcore-guard writes only to roles that nothing but ${AGENTCORE_SERVICE_PRINCIPAL} can assume, and ` +
      `${alert.detail}. ${ourPolicyNote(alert)}`,
    'unsupported-path': `agentcore-guard writes only to roles at path /, and ${roleName} sits at ${alert.detail}.`,
    'no-room': alert.detail,
  }[alert.problem];
  const nextSteps = {
    untrusted: [
      `If this is an AgentCore runtime role, make its trust policy name only ${AGENTCORE_SERVICE_PRINCIPAL} (with aws:SourceAccount of this account): aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json`,
      `If it is not, someone gave it an AgentCore name: find who in CloudTrail (CreateRole, UpdateAssumeRolePolicy for ${roleName}) and rename or delete it.`,
      'agentcore-guard looks again on the next change to its trust policy, and on every sweep.',
    ],
    'unsupported-path': [
      `AgentCore runtimes need no path: recreate the role at / (aws iam create-role --path / …), or give it the policy by hand: npx agentcore-guard policy`,
    ],
    'no-room': [
      'Use the least-privilege profile (policyProfile=least-privilege), or move one of its inline policies to a managed policy and attach it; the next sweep adds ours.',
    ],
  }[alert.problem];
  return composeAlert({
    kind,
    about: roleArn,
    label: LABEL[alert.problem],
    name: roleName,
    headline,
    facts: [
      ['Role', roleArn],
      ['Problem', alert.problem],
      ['Holds our policy', alert.problem === 'untrusted' ? (alert.carriesOurPolicy ? 'yes' : 'no') : undefined],
      ['Our policy removed', alert.removed ? 'yes' : undefined],
    ],
    what,
    nextSteps,
    closing: 'You are told once per role; the sweep keeps counting it until it is fixed.',
    thread: roleArn,
    eventType: `AgentCoreGuardRole${alert.problem === 'untrusted' ? 'Untrusted' : alert.problem === 'no-room' ? 'NoRoom' : 'AtPath'}`,
    keywords: [roleName, alert.problem],
    relatedResources: [roleArn],
    additionalContext: { roleName, roleArn, problem: alert.problem },
  });
}

function ourPolicyNote(alert: RoleAlert): string {
  if (alert.removed) return 'It held our Code Interpreter policy, which was removed (removeFromUntrusted).';
  if (alert.carriesOurPolicy) {
    return 'It holds a policy of our name: whoever it trusts can use the Code Interpreter through it. Nothing was removed (removeFromUntrusted is off).';
  }
  return 'Nothing was written to it.';
}
