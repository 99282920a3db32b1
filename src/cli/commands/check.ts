import { GetRoleCommand, type Role } from '@aws-sdk/client-iam';
import type { Command } from 'commander';
import { parseRoleArn } from '../../aws/arn.js';
import { isNoSuchEntity } from '../../aws/errors.js';
import type { Config } from '../../config.js';
import { checkCodeInterpreterPermissions } from '../../permission/check.js';
import { type ActionDecision, REQUIRED_CODE_INTERPRETER_ACTIONS, RoleNotFoundError } from '../../permission/report.js';
import { buildPolicyDocument } from '../../policy/profiles.js';
import { isManagedRoleName } from '../../roles/ownership.js';
import type { CliContext } from '../context.js';
import { EXIT, jsonOption, renderTable, writeJson, writeLine } from '../output.js';

interface CheckFlags {
  role: string;
  offline?: boolean;
  region?: string;
  json?: boolean;
}

function statementLabel(decision: ActionDecision): string {
  if (decision.matchedStatements.length === 0)
    return decision.decision === 'implicitDeny' ? '(no statement allows it)' : '';
  return decision.matchedStatements
    .map((s) => `${s.policyName}:${s.sid ?? `statement ${s.statementIndex ?? '?'}`}`)
    .join(', ');
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description("can this role use the Code Interpreter? Each action's decision and the statement behind it")
    .requiredOption('--role <name>', 'IAM role name')
    .option('--offline', "evaluate the role's policies locally instead of asking IAM's policy simulator")
    .option('--region <region>', 'region of the AWS-managed interpreter to check (default: AWS_REGION or us-east-1)')
    .addOption(jsonOption())
    .action(async (flags: CheckFlags) => {
      const config = ctx.config({ AWS_REGION: flags.region }, { AWS_REGION: '--region' });
      const iam = ctx.clients.iam(config);
      let role: Role | undefined;
      try {
        role = (await iam.send(new GetRoleCommand({ RoleName: flags.role }))).Role;
      } catch (error) {
        if (!isNoSuchEntity(error)) throw error;
      }
      const roleArn = role?.Arn;
      if (!role || !roleArn) {
        throw new RoleNotFoundError(
          `Role ${flags.role} does not exist in this account; list roles with \`aws iam list-roles\`.`,
        );
      }
      const report = await checkCodeInterpreterPermissions(roleArn, {
        iam,
        mode: flags.offline ? 'local' : 'auto',
        region: config.region,
      });
      ctx.exit(report.allowed ? EXIT.ok : EXIT.findings);
      if (flags.json) {
        writeJson(ctx.io, { roleName: flags.role, ...report });
        return;
      }
      const out = ctx.io.stdout;
      const how =
        report.method === 'simulate'
          ? "IAM's policy simulator"
          : report.fallbackReason
            ? `local evaluation (simulation unavailable: ${report.fallbackReason})`
            : 'local evaluation (--offline)';
      writeLine(out, `Role: ${roleArn}`);
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
      if (report.allowed) {
        writeLine(out, `${flags.role} can use the Code Interpreter.`);
        return;
      }
      const missing = REQUIRED_CODE_INTERPRETER_ACTIONS.filter(
        (a) => report.decisions.find((d) => d.action === a)?.decision !== 'allowed',
      );
      writeLine(out, `${flags.role} cannot use the Code Interpreter: not allowed ${missing.join(', ')}.`);
      const denials = report.decisions.flatMap((d) => (d.decision === 'explicitDeny' ? d.matchedStatements : []));
      if (denials.length > 0) {
        // No Allow overrides an explicit Deny: adding our policy would not help.
        const where = [...new Set(denials.map((s) => `${s.policyName}:${s.sid ?? `statement ${s.statementIndex}`}`))];
        writeLine(out, `An explicit Deny blocks it (${where.join(', ')}); remove or narrow that statement.`);
        return;
      }
      writeLine(out, howToFix(role, roleArn, config, program.name()));
    });
}

/**
 * `remediate` writes only to roles that are ours; for any other role, advising it would only earn a refusal. Say
 * what would bring the role in scope, and give the exact command to apply the policy by hand.
 */
function howToFix(role: Role, roleArn: string, config: Config, cli: string): string {
  const roleName = role.RoleName ?? parseRoleArn(roleArn).roleName;
  const path = role.Path ?? '/';
  const named = isManagedRoleName(roleName, config.rolePrefixes);
  if (named && path === '/') {
    return `Fix it with: ${cli} remediate --role ${roleName} (it writes only if the role trusts only bedrock-agentcore.amazonaws.com).`;
  }
  const document = JSON.stringify(buildPolicyDocument(config.policyProfile, parseRoleArn(roleArn), config));
  const byHand = (lead: string) => [
    `${lead} (${config.policyProfile}):`,
    `  aws iam put-role-policy --role-name ${roleName} --policy-name ${config.policyName} --policy-document '${document}'`,
  ];
  if (path !== '/') {
    return [
      `${cli} does not write to this role: it sits at path ${path}, and ${cli} writes only to roles at path /.`,
      ...byHand('Apply the policy by hand'),
    ].join('\n');
  }
  return [
    `${cli} does not write to this role: its name has none of the prefixes ${config.rolePrefixes.join(', ')}.`,
    `To bring it in scope, add a prefix its name starts with: \`${cli} remediate --role ${roleName} --prefixes ${roleName}\`` +
      " here, ROLE_PREFIXES (the stack's rolePrefixes) for the functions. The role must also sit at path / and trust" +
      ' only bedrock-agentcore.amazonaws.com.',
    ...byHand('Or apply the policy by hand'),
  ].join('\n');
}
