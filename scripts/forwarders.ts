/**
 * The runtime-event forwarders, for people and CI (docs/regions.md):
 *
 *   npm run deploy:forwarders -- --stage dev --regions eu-west-1,ap-southeast-2 [--alert-email you@example.com]
 *   npm run remove:forwarders -- --stage dev --regions eu-west-1,ap-southeast-2 [--force]
 *   npm run template:forwarders        (writes dist/forwarder-template.json, as a StackSet can take it)
 *
 * Each region is deployed or removed on its own (at once); one failing region does not stop the others. Exit 0 when
 * every region succeeded, 1 when one failed, 2 for a request refused before any AWS call.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  checkRollout,
  deployForwarder,
  ForwarderUsageError,
  removeForwarder,
  type StackClients,
} from '../deploy/forwarder-stacks.js';
import { forwarderTemplate } from '../deploy/forwarder-template.js';
import { forwarderNames } from '../src/deployment/forwarders.js';
import { commaList } from '../src/settings.js';
import { sayNodeVersionNoticeOnce } from './lib/sdk-notice.js';

const USAGE = `usage:
  forwarders deploy --stage <stage> --regions <r1,r2> [--alert-email <address>] [--service <name>]
  forwarders remove --stage <stage> --regions <r1,r2> [--service <name>] [--force]
  forwarders template [--out <file>]`;

const clients: StackClients = {
  cloudFormation: (region) => new CloudFormationClient({ region }),
  sqs: (region) => new SQSClient({ region }),
};

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stage: { type: 'string', default: 'dev' },
      service: { type: 'string', default: 'agentcore-guard' },
      regions: { type: 'string' },
      'alert-email': { type: 'string' },
      force: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (command === 'template') {
    const json = `${JSON.stringify(forwarderTemplate(), null, 2)}\n`;
    if (values.out) {
      mkdirSync(dirname(values.out), { recursive: true });
      writeFileSync(values.out, json);
    } else process.stdout.write(json);
    return 0;
  }
  if (command !== 'deploy' && command !== 'remove') throw new ForwarderUsageError(USAGE);
  const rollout = checkRollout({
    service: values.service,
    stage: values.stage,
    regions: commaList(values.regions),
    alertEmail: values['alert-email'],
  });
  const results = await Promise.allSettled(
    rollout.regions.map(async (region) => {
      const scope = { service: rollout.service, stage: rollout.stage, region };
      const names = forwarderNames(scope);
      if (command === 'remove') {
        const outcome = await removeForwarder(clients, scope, { force: values.force });
        return `${region}: ${outcome === 'absent' ? `no stack ${names.stack}, nothing to remove` : `removed ${names.stack}`}`;
      }
      const outcome = await deployForwarder(clients.cloudFormation(region), {
        ...scope,
        homeRegion: rollout.homeRegion,
        alertEmail: values['alert-email'],
      });
      return `${region}: ${outcome} ${names.stack} (rule ${names.rule} → ${rollout.homeRegion} default bus)`;
    }),
  );
  let failed = 0;
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      process.stdout.write(`${result.value}\n`);
      return;
    }
    failed += 1;
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    process.stderr.write(`${rollout.regions[i]}: FAILED: ${reason}\n`);
  });
  if (command === 'deploy' && failed === 0 && values['alert-email']) {
    process.stdout.write('Confirm the subscription e-mail AWS Notifications sends from each region.\n');
  }
  return failed > 0 ? 1 : 0;
}

sayNodeVersionNoticeOnce();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // node:util parseArgs refuses an unknown or malformed option with an ERR_PARSE_ARGS_* code.
    const usage =
      error instanceof ForwarderUsageError || /^ERR_PARSE_ARGS/.test(String((error as { code?: unknown }).code));
    process.stderr.write(`forwarders: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
