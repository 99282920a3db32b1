import { GetRoleCommand, type Role } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../../aws/arn.js';
import { isNoSuchEntity } from '../../aws/errors.js';
import type { Config } from '../../config.js';
import { checkCodeInterpreterPermissions } from '../../permission/check.js';
import {
  type PermissionReport,
  REQUIRED_CODE_INTERPRETER_ACTIONS,
  RoleNotFoundError,
} from '../../permission/report.js';
import { buildPolicyDocument } from '../../policy/profiles.js';
import { assessOwnership, type Ownership } from '../../roles/ownership.js';
import { AGENTCORE_SERVICE_PRINCIPAL, assessTrust } from '../../roles/trust.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError, writeJson, writeLine } from '../output.js';
import { ownershipLine, untrustedSteps, writeReport } from './check-report.js';

export interface CheckFlags {
  role?: string;
  runtime?: string;
  offline?: boolean;
  region?: string;
  json?: boolean;
}

export async function runCheck(ctx: CliContext, flags: CheckFlags, cli: string): Promise<void> {
  if (flags.runtime !== undefined) {
    const { checkRuntime } = await import('./check-runtime.js');
    return checkRuntime(ctx, cli, flags.runtime, flags);
  }
  if (flags.role === undefined) {
    throw new UsageError(
      'check needs --role <name> or --runtime <arn>: the role to check, or the runtime whose role to check.',
    );
  }
  return checkRole(ctx, cli, flags.role, flags);
}

async function checkRole(ctx: CliContext, cli: string, roleName: string, flags: CheckFlags): Promise<void> {
  const config = ctx.config({ AWS_REGION: flags.region }, { AWS_REGION: '--region' });
  const iam = await ctx.clients.iam(config);
  let role: Role | undefined;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error;
  }
  const roleArn = role?.Arn;
  if (!role || !roleArn) {
    throw new RoleNotFoundError(
      `Role ${roleName} does not exist in this account; list roles with \`aws iam list-roles\`.`,
    );
  }
  const report = await checkCodeInterpreterPermissions(roleArn, {
    iam,
    mode: flags.offline ? 'local' : 'auto',
    region: config.region,
  });
  const ownership = assessOwnership(role, config.rolePrefixes);
  ctx.exit(report.allowed ? EXIT.ok : EXIT.findings);
  if (flags.json) {
    writeJson(ctx.io, { roleName, ownership, ...report });
    return;
  }
  const out = ctx.io.stdout;
  writeLine(out, `Role: ${roleArn}`);
  writeLine(out, `Ours: ${ownershipLine(ownership)}`);
  writeReport(out, report);
  if (report.allowed) {
    writeLine(out, `${roleName} can use the Code Interpreter.`);
    return;
  }
  writeLine(out, `${roleName} cannot use the Code Interpreter: not allowed ${missingActions(report).join(', ')}.`);
  if (writeDenials(out, report)) return;
  writeLine(out, howToFix(role, roleArn, ownership, config, cli));
}

const missingActions = (report: PermissionReport) =>
  REQUIRED_CODE_INTERPRETER_ACTIONS.filter((a) => report.decisions.find((d) => d.action === a)?.decision !== 'allowed');

/** No Allow overrides an explicit Deny: adding our policy would not help. True when one was written. */
function writeDenials(out: NodeJS.WritableStream, report: PermissionReport): boolean {
  const denials = report.decisions.flatMap((d) => (d.decision === 'explicitDeny' ? d.matchedStatements : []));
  if (denials.length === 0) return false;
  const where = [...new Set(denials.map((s) => `${s.policyName}:${s.sid ?? `statement ${s.statementIndex}`}`))];
  writeLine(out, `An explicit Deny blocks it (${where.join(', ')}); remove or narrow that statement.`);
  return true;
}

/**
 * `remediate` writes only to roles that are ours; for any other role, advising it would only earn a refusal. Say
 * why the role is not ours, what would bring it in scope, and (unless its trust policy is the problem) the exact
 * command to apply the policy by hand.
 */
function howToFix(role: Role, roleArn: string, ownership: Ownership, config: Config, cli: string): string {
  const roleName = role.RoleName ?? parseRoleArn(roleArn).roleName;
  if (ownership.ours) return `Fix it with: ${cli} remediate --role ${roleName}.`;
  if (ownership.because === 'untrusted') return untrustedSteps(cli, roleName, ownership.reason).join('\n');
  const arn = parseRoleArn(roleArn);
  const document = JSON.stringify(buildPolicyDocument(config.policyProfile, arn, config));
  const byHand = (lead: string) => [
    `${lead} (${config.policyProfile}):`,
    `  aws iam put-role-policy --role-name ${roleName} --policy-name ${config.policyName} --policy-document '${document}'`,
  ];
  if (ownership.because === 'unsupported-path') {
    return [
      `${cli} does not write to this role: it sits at path ${arn.path}, and ${cli} writes only to roles at path /.`,
      ...byHand('Apply the policy by hand'),
    ].join('\n');
  }
  // No prefix: a prefix brings it in scope only if its trust policy would pass the gate as well.
  const trust = assessTrust(role.AssumeRolePolicyDocument, arn.account);
  const inScope = trust.trusted
    ? `To bring it in scope, add a prefix its name starts with: \`${cli} remediate --role ${roleName} --prefixes ${roleName}\`` +
      " here, ROLE_PREFIXES (the stack's rolePrefixes) for the functions. Its trust policy already lets only" +
      ` ${AGENTCORE_SERVICE_PRINCIPAL} assume it.`
    : `A prefix would not bring it in scope: ${trust.reason}, and ${cli} writes only to roles that nothing but ` +
      `${AGENTCORE_SERVICE_PRINCIPAL} can assume. Applied by hand, the policy serves whoever else it trusts too.`;
  return [
    `${cli} does not write to this role: its name has none of the prefixes ${config.rolePrefixes.join(', ')}.`,
    inScope,
    ...byHand('Or apply the policy by hand'),
  ].join('\n');
}
