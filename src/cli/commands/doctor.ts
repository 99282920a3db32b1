import type { Command } from 'commander';
import type { DoctorFlags } from '../actions/doctor.js';
import type { CliContext } from '../context.js';
import { jsonOption } from '../output.js';

/** The stack serverless.yml deploys when no --stage is given (osls's own default stage), and its service. */
const DEFAULT_STAGE = 'dev';
const DEFAULT_SERVICE_NAME = 'agentcore-guard';

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
    .action(async (flags: DoctorFlags) => {
      const { runDoctor } = await import('../actions/doctor.js');
      await runDoctor(ctx, flags);
    });
}
