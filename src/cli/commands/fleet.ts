import type { Command } from 'commander';
import { DEFAULTS, FLEET_CONCURRENCY_MAX, REMEDIATED_WINDOW_MAX_DAYS } from '../../settings.js';
import type { FleetFlags } from '../actions/fleet.js';
import type { CliContext } from '../context.js';
import { jsonOption, writeJson } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const fleet = program
    .command('fleet')
    .description(
      "report on every member account from the administrator account, read-only, through each stack's audit role",
    )
    .option('--ou <id>', 'only the accounts under this organizational unit (or root), at any depth')
    .option(
      '--role-name <name>',
      `the audit role each member stack made (default: AUDIT_ROLE_NAME or ${DEFAULTS.auditRoleName})`,
    )
    .option(
      '--concurrency <n>',
      `accounts audited at once, 1 to ${FLEET_CONCURRENCY_MAX} (default: FLEET_CONCURRENCY or ${DEFAULTS.fleetConcurrency})`,
    )
    .option(
      '--days <n>',
      `count the roles remediated in the last n days, 1 to ${REMEDIATED_WINDOW_MAX_DAYS} (default: ${DEFAULTS.remediatedWindowDays})`,
    )
    .addOption(jsonOption())
    .action(async (flags: FleetFlags) => {
      const { runFleet } = await import('../actions/fleet.js');
      await runFleet(ctx, flags);
    });

  fleet
    .command('topic-template')
    .description(
      'print the CloudFormation template of the central alerts topic, for the administrator account (us-east-1)',
    )
    .action(async () => {
      const { centralAlertsTemplate } = await import('../../fleet/central-topic.js');
      writeJson(ctx.io, centralAlertsTemplate());
    });
}
