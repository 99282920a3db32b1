import type { ActionDecision, PermissionReport } from '../../permission/report.js';
import type { Ownership } from '../../roles/ownership.js';
import { AGENTCORE_SERVICE_PRINCIPAL } from '../../roles/trust.js';
import type { RuntimeRoleInspection } from '../../runtime-roles/check.js';
import { renderTable, writeLine } from '../output.js';

// What `check` prints about a role, whether it was named (--role) or is a runtime's (--runtime).

function statementLabel(decision: ActionDecision): string {
  if (decision.matchedStatements.length === 0)
    return decision.decision === 'implicitDeny' ? '(no statement allows it)' : '';
  return decision.matchedStatements
    .map((s) => `${s.policyName}:${s.sid ?? `statement ${s.statementIndex ?? '?'}`}`)
    .join(', ');
}

export const ownershipLine = (ownership: Ownership | RuntimeRoleInspection['ownership']) =>
  ownership.ours ? 'yes (a configured prefix, path /, trusts only AgentCore)' : `no: ${ownership.reason}`;

export function writeReport(out: NodeJS.WritableStream, report: PermissionReport): void {
  const how =
    report.method === 'simulate'
      ? "IAM's policy simulator"
      : report.fallbackReason
        ? `local evaluation (IAM's policy simulator unavailable: ${report.fallbackReason})`
        : 'local evaluation (--offline)';
  writeLine(out, `Method: ${how}`);
  writeLine(out);
  writeLine(
    out,
    renderTable(
      ['Action', 'Decision', 'Statement'],
      report.decisions.map((d) => [d.action, d.decision, statementLabel(d)]),
    ),
  );
  writeLine(out);
}

/** For a role that nothing but AgentCore should assume, but something else may: never a grant, first its trust. */
export function untrustedSteps(cli: string, roleName: string, reason: string): string[] {
  return [
    `${cli} does not write to this role: ${reason}; it writes only to roles that nothing but ${AGENTCORE_SERVICE_PRINCIPAL} can assume.`,
    `If this is an AgentCore runtime role, make its trust policy name only ${AGENTCORE_SERVICE_PRINCIPAL} (with aws:SourceAccount of this account): aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json; then ${cli} remediate --role ${roleName}.`,
    `If it is not, do not give it the Code Interpreter: whoever else it trusts would get it too. Find who made it in CloudTrail (CreateRole, UpdateAssumeRolePolicy for ${roleName}).`,
  ];
}
