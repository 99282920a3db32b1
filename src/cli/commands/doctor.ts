import type { Command } from 'commander';
import { checkDeployment, DEFAULT_SERVICE_NAME, DEFAULT_STAGE } from '../../deployment/checks.js';
import type { CliContext } from '../context.js';
import { EXIT, jsonOption, writeJson, writeLine } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check what the deployment needs in us-east-1 (trail, rules, alert subscription) and how to fix gaps')
    .option('--stage <stage>', 'the stage the stack was deployed with', DEFAULT_STAGE)
    .option('--service <name>', 'the service name in serverless.yml', DEFAULT_SERVICE_NAME)
    .addOption(jsonOption())
    .action(async (flags: { stage: string; service: string; json?: boolean }) => {
      const { clients } = ctx;
      const report = await checkDeployment(
        {
          cloudTrail: clients.cloudTrail(),
          eventBridge: clients.eventBridge(),
          sns: clients.sns(),
          sts: clients.sts(),
        },
        { service: flags.service, stage: flags.stage },
      );
      ctx.exit(report.ok ? EXIT.ok : EXIT.findings);
      if (flags.json) {
        writeJson(ctx.io, report);
        return;
      }
      const out = ctx.io.stdout;
      writeLine(out, `Account ${report.account}, stage ${report.stage}, region us-east-1`);
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
