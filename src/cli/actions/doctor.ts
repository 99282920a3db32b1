import { checkDeployment } from '../../deployment/checks.js';
import { SETTINGS } from '../../settings.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError, writeJson, writeLine } from '../output.js';

export interface DoctorFlags {
  stage: string;
  service: string;
  regions?: string;
  json?: boolean;
}

/**
 * The regions agents run in: --regions (read by the rule of the stack's agentRegions), else the environment's
 * AGENT_REGIONS, else the CLI's region, as the health check's discovery falls back.
 */
function regionsToCheck(ctx: CliContext, flag: string | undefined): readonly string[] {
  if (flag === undefined) return ctx.config().health.discoveryRegions;
  const reading = SETTINGS.agentRegions.read(flag);
  if (!reading.ok || reading.value.length === 0) {
    throw new UsageError(
      `--regions "${flag}" is not valid: expected comma-separated AWS regions, e.g. eu-west-1,ap-southeast-2.`,
    );
  }
  return reading.value;
}

export async function runDoctor(ctx: CliContext, flags: DoctorFlags): Promise<void> {
  const agentRegions = regionsToCheck(ctx, flags.regions);
  const { clients } = ctx;
  const report = await checkDeployment(
    {
      cloudTrail: await clients.cloudTrail(),
      eventBridge: await clients.eventBridge(),
      sns: await clients.sns(),
      sts: await clients.sts(),
    },
    { service: flags.service, stage: flags.stage, agentRegions },
  );
  ctx.exit(report.ok ? EXIT.ok : EXIT.findings);
  if (flags.json) {
    writeJson(ctx.io, report);
    return;
  }
  const out = ctx.io.stdout;
  writeLine(out, `Account ${report.account}, stage ${report.stage}, regions ${report.regions.join(', ')}`);
  for (const check of report.checks) {
    writeLine(out, `${check.ok ? 'ok  ' : 'FAIL'}  ${check.title}: ${check.detail}`);
    if (!check.ok && check.fix) writeLine(out, `      fix: ${check.fix}`);
  }
  writeLine(out, report.ok ? 'All checks passed.' : 'Some checks failed; apply the fixes above and run doctor again.');
}
