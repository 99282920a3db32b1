import { GetRoleCommand, type Role } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../../aws/arn.js';
import { isNoSuchEntity } from '../../aws/errors.js';
import type { Config } from '../../config.js';
import { checkCodeInterpreterPermissions } from '../../permission/check.js';
import {
  type ActionDecision,
  type PermissionReport,
  REQUIRED_CODE_INTERPRETER_ACTIONS,
  RoleNotFoundError,
} from '../../permission/report.js';
import { buildPolicyDocument } from '../../policy/profiles.js';
import { assessOwnership, type Ownership } from '../../roles/ownership.js';
import { AGENTCORE_SERVICE_PRINCIPAL, assessTrust } from '../../roles/trust.js';
import { type RuntimeRoleFix, runtimeRoleFix } from '../../runtime-roles/alert.js';
import { inspectRuntimeRole, type RuntimeRoleInspection } from '../../runtime-roles/check.js';
import { type DescribedRuntime, findAgentRuntime, locateRuntimeArn } from '../../runtimes/inventory.js';
import { callerAccount } from '../account.js';
import type { CliContext } from '../context.js';
import { EXIT, renderTable, UsageError, writeJson, writeLine } from '../output.js';

export interface CheckFlags {
  role?: string;
  runtime?: string;
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

export async function runCheck(ctx: CliContext, flags: CheckFlags, cli: string): Promise<void> {
  if (flags.runtime !== undefined) return checkRuntime(ctx, cli, flags.runtime, flags);
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

/** The runtime's own role, as the control plane has it now, checked in the runtime's region. */
async function checkRuntime(ctx: CliContext, cli: string, arn: string, flags: CheckFlags): Promise<void> {
  const config = ctx.config();
  const { region } = locateRuntimeArn(arn);
  const runtime = await findAgentRuntime(arn, await ctx.clients.agentCoreControl());
  if (!runtime) {
    throw new UsageError(
      `No agent runtime ${arn} in ${region}; list the runtimes there with \`${cli} runtimes --region ${region}\`.`,
    );
  }
  try {
    parseRoleArn(runtime.roleArn);
  } catch {
    throw new UsageError(
      `The runtime ${runtime.agentRuntimeName} runs as "${runtime.roleArn}", which is not an IAM role ARN; ` +
        'update the runtime with a valid execution role.',
    );
  }
  const account = await callerAccount(ctx, config.region);
  const inspection = await inspectRuntimeRole(runtime, {
    iam: await ctx.clients.iam(config),
    account,
    rolePrefixes: config.rolePrefixes,
    mode: flags.offline ? 'local' : 'auto',
  });
  const allowed = inspection.access.verdict === 'allowed';
  ctx.exit(allowed ? EXIT.ok : EXIT.findings);
  const fix = allowed ? undefined : runtimeFix(cli, runtime, inspection, config);
  if (flags.json) {
    const { report, ...rest } = inspection;
    writeJson(ctx.io, {
      runtime: {
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeId: runtime.agentRuntimeId,
        agentRuntimeName: runtime.agentRuntimeName,
        region: runtime.region,
        ...(runtime.status ? { status: runtime.status } : {}),
      },
      roleName: parseRoleArn(runtime.roleArn).roleName,
      ...rest,
      ...(report ?? { roleArn: runtime.roleArn }),
      allowed,
      ...(fix ? { fix } : {}),
    });
    return;
  }
  const out = ctx.io.stdout;
  const name = runtime.agentRuntimeName;
  writeLine(out, `Runtime: ${name} (${runtime.region}) ${runtime.agentRuntimeArn}`);
  writeLine(out, `Role: ${runtime.roleArn}`);
  writeLine(
    out,
    `Ours: ${ownershipLine(inspection.ownership)}${inspection.excluded ? ' (tagged agentcore-guard:exclude=true: left alone)' : ''}`,
  );
  if (inspection.stackName) writeLine(out, `Stack: ${inspection.stackName} (aws:cloudformation:stack-name)`);
  if (inspection.report) writeReport(out, inspection.report);
  else writeLine(out);
  const { access } = inspection;
  if (access.verdict === 'allowed') {
    writeLine(out, `${name} can use the Code Interpreter.`);
    return;
  }
  if (access.verdict === 'denied') {
    writeLine(out, `${name} cannot use the Code Interpreter: its role is not allowed ${access.missing.join(', ')}.`);
  } else {
    writeLine(out, `Whether ${name} can use the Code Interpreter is unknown: ${access.reason}.`);
  }
  if (fix) writeLine(out, renderFix(fix));
}

/** What to do about a runtime whose role lacks access; `why` when agentcore-guard leaves the role to a person. */
type RuntimeFix = RuntimeRoleFix & { why?: string };

/** What to do about a runtime whose role lacks access: who may fix the role decides how. */
function runtimeFix(
  cli: string,
  runtime: DescribedRuntime,
  inspection: RuntimeRoleInspection,
  config: Config,
): RuntimeFix {
  const { ownership, access } = inspection;
  const roleName = parseRoleArn(runtime.roleArn).roleName;
  const explicitDeny = access.verdict === 'denied' && access.explicitDeny;
  if (ownership.ours && !inspection.excluded) {
    if (access.verdict === 'undetermined') return { blocks: [], steps: [] };
    return {
      blocks: [],
      steps: explicitDeny
        ? [
            'An explicit Deny (a permissions boundary, an SCP or a Deny statement) blocks it: remove or narrow that; no Allow overrides it.',
          ]
        : [
            `The role is ours: ${cli} remediate --role ${roleName} gives it the policy now; the deployed functions do on the next runtime event or sweep.`,
          ],
    };
  }
  if (!ownership.ours && ownership.because === 'untrusted')
    return { blocks: [], steps: untrustedSteps(cli, roleName, ownership.reason) };
  if (!ownership.ours && ownership.because === 'role-not-found') {
    return {
      blocks: [],
      steps: [`The runtime runs as a role that does not exist: update the runtime with an existing execution role.`],
    };
  }
  const fix = runtimeRoleFix({
    runtime,
    access,
    ...(inspection.stackName ? { stackName: inspection.stackName } : {}),
    policyName: config.policyName,
  });
  const why = ownership.ours ? 'it is tagged agentcore-guard:exclude=true' : ownership.reason;
  return { why: `${cli} does not write to this role: ${why}.`, ...fix };
}

/** Why the guard leaves it to a person, the blocks (policy, command, CDK) the steps refer to, then the steps. */
function renderFix(fix: RuntimeFix): string {
  return [
    ...(fix.why ? [fix.why] : []),
    ...fix.blocks.flatMap((b) => ['', `${b.title}:`, ...b.body.split('\n').map((l) => `  ${l}`)]),
    ...(fix.blocks.length > 0 ? [''] : []),
    ...fix.steps.map((s) => `- ${s}`),
  ].join('\n');
}

const ownershipLine = (ownership: Ownership | RuntimeRoleInspection['ownership']) =>
  ownership.ours ? 'yes (a configured prefix, path /, trusts only AgentCore)' : `no: ${ownership.reason}`;

function writeReport(out: NodeJS.WritableStream, report: PermissionReport): void {
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

/** For a role that nothing but AgentCore should assume, but something else may: never a grant, first its trust. */
function untrustedSteps(cli: string, roleName: string, reason: string): string[] {
  return [
    `${cli} does not write to this role: ${reason}; it writes only to roles that nothing but ${AGENTCORE_SERVICE_PRINCIPAL} can assume.`,
    `If this is an AgentCore runtime role, make its trust policy name only ${AGENTCORE_SERVICE_PRINCIPAL} (with aws:SourceAccount of this account): aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json; then ${cli} remediate --role ${roleName}.`,
    `If it is not, do not give it the Code Interpreter: whoever else it trusts would get it too. Find who made it in CloudTrail (CreateRole, UpdateAssumeRolePolicy for ${roleName}).`,
  ];
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
