import { parseRoleArn } from '../../aws/arn.js';
import type { Config } from '../../config.js';
import { type RuntimeRoleFix, runtimeRoleFix } from '../../runtime-roles/alert.js';
import { inspectRuntimeRole, type RuntimeRoleInspection } from '../../runtime-roles/check.js';
import { type DescribedRuntime, findAgentRuntime, locateRuntimeArn } from '../../runtimes/inventory.js';
import { callerAccount } from '../account.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError, writeJson, writeLine } from '../output.js';
import { ownershipLine, untrustedSteps, writeReport } from './check-report.js';

// `check --runtime`, in a module of its own: `check --role` never loads the AgentCore SDK.

/** The runtime's own role, as the control plane has it now, checked in the runtime's region. */
export async function checkRuntime(
  ctx: CliContext,
  cli: string,
  arn: string,
  flags: { offline?: boolean; json?: boolean },
): Promise<void> {
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
