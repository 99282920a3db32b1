import { ensureCodeInterpreterPolicy } from '../../remediation/ensure.js';
import type { RemediationOutcome } from '../../remediation/outcome.js';
import { type CliContext, overridesFrom, type SettingFlags } from '../context.js';
import { SETTING_FLAG_NAMES } from '../flags.js';
import { describeOutcome } from '../outcomes.js';
import { EXIT, type ExitCode, UsageError, writeJson, writeLine } from '../output.js';

export type RemediateFlags = SettingFlags & { role: string; json?: boolean };

function exitCodeFor(outcome: RemediationOutcome): ExitCode {
  return outcome.status === 'would-remediate' || outcome.status === 'untrusted' || outcome.status === 'unsupported-path'
    ? EXIT.findings
    : EXIT.ok;
}

export async function runRemediate(ctx: CliContext, flags: RemediateFlags): Promise<void> {
  // A person names an existing role: no need to wait out IAM's eventual consistency after CreateRole.
  const settings = { ...ctx.config(overridesFrom(flags), SETTING_FLAG_NAMES), roleNotFoundRetryMs: 0 };
  const outcome = await ensureCodeInterpreterPolicy(
    { roleName: flags.role },
    { iam: await ctx.clients.iam(settings), settings },
  );
  if (outcome.status === 'ignored') {
    throw new UsageError(
      `Role ${flags.role} has none of the prefixes ${settings.rolePrefixes.join(', ')}; ` +
        'pass --prefixes (or set ROLE_PREFIXES) to include it.',
    );
  }
  if (outcome.status === 'role-not-found') {
    throw new UsageError(`Role ${flags.role} does not exist in this account; list roles with \`aws iam list-roles\`.`);
  }
  ctx.exit(exitCodeFor(outcome));
  if (flags.json) writeJson(ctx.io, outcome);
  else writeLine(ctx.io.stdout, describeOutcome(outcome));
}
