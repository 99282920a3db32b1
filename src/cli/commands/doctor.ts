import type { Command } from 'commander';
import { checkDeployment, DEFAULT_SERVICE_NAME, DEFAULT_STAGE } from '../../deployment/checks.js';
import { SETTINGS } from '../../settings.js';
import type { CliContext } from '../context.js';
import { EXIT, jsonOption, UsageError, writeJson, writeLine } from '../output.js';

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

/** One client per region for the whole run, built on first use. */
function perRegion<T>(create: (region: string) => T): (region: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = create(region);
      clients.set(region, client);
    }
    return client;
  };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description(
      'check what the deployment needs (trail, rules, alert subscription in us-east-1; trail and runtime-event ' +
        'forwarder in every other region agents run in) and how to fix gaps',
    )
    .option('--stage <stage>', 'the stage the stack was deployed with', DEFAULT_STAGE)
    .option('--service <name>', 'the service name in serverless.yml', DEFAULT_SERVICE_NAME)
    .option(
      '--regions <regions>',
      'comma-separated regions agents run in, as the stack was deployed with (--param agentRegions) ' +
        '(default: AGENT_REGIONS, else AWS_REGION)',
    )
    .addOption(jsonOption())
    .action(async (flags: { stage: string; service: string; regions?: string; json?: boolean }) => {
      const agentRegions = regionsToCheck(ctx, flags.regions);
      const { clients } = ctx;
      const report = await checkDeployment(
        {
          cloudTrail: perRegion(clients.cloudTrail),
          eventBridge: perRegion(clients.eventBridge),
          sns: perRegion(clients.sns),
          sts: clients.sts(),
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
      writeLine(
        out,
        report.ok ? 'All checks passed.' : 'Some checks failed; apply the fixes above and run doctor again.',
      );
    });
}
