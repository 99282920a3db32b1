/**
 * The organization rollout, for people and CI (docs/organization.md). Run from the administrator account (the
 * management account, or a delegated administrator with --call-as DELEGATED_ADMIN):
 *
 *   npm run org -- package --param organizationId=o-… [--param name=value …] [--stage dev]   (alias: npm run package:org)
 *   npm run org -- stage                     the artifact bucket (created or updated), then the release's files
 *   npm run org -- deploy --ou <ou-id,…>     the stack sets, and their instances in those OUs (again: adds an OU)
 *   npm run org -- update                    every instance to the staged release
 *   npm run org -- status                    each account's and region's instance
 *   npm run org -- remove                    the forwarders' instances and stack set, then the member stacks'
 *
 * The release lives in --dir (.org by default). Exit 0 when everything succeeded, 1 when an operation or an account
 * failed, 2 for a request refused before any AWS call.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CallAs, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import {
  assembleRelease,
  OrgUsageError,
  orgSettings,
  packageMemberStack,
  parseParams,
  readManifest,
} from '../deploy/org-package.js';
import {
  artifactBucket,
  CALL_AS,
  checkStaged,
  deployRollout,
  ensureArtifactBucket,
  type OperationReport,
  OrgRolloutError,
  removeRollout,
  rolloutStatus,
  stageRelease,
  updateRollout,
} from '../deploy/org-rollout.js';
import { commaList, HOME_REGION, ORGANIZATION_PARENT_PATTERN } from '../src/settings.js';
import { sayNodeVersionNoticeOnce } from './lib/sdk-notice.js';

const USAGE = `usage:
  org package --param organizationId=o-… [--param <name>=<value> …] [--stage <stage>] [--dir .org]
  org stage   [--dir .org]
  org deploy  --ou <ou-id,…> [--call-as SELF|DELEGATED_ADMIN] [--dir .org]
  org update  [--call-as SELF|DELEGATED_ADMIN] [--dir .org]
  org status  [--call-as SELF|DELEGATED_ADMIN] [--dir .org]
  org remove  [--call-as SELF|DELEGATED_ADMIN] [--dir .org]`;

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Each account's result; true when the operation and every account succeeded. */
function printOperation(report: OperationReport): boolean {
  out(`${report.stackSetName}: ${report.action} ${report.status} (operation ${report.operationId})`);
  for (const r of report.results) {
    out(`  ${r.account}  ${r.region.padEnd(14)}  ${r.status}${r.reason ? `  ${r.reason}` : ''}`);
  }
  return report.status === 'SUCCEEDED' && report.results.every((r) => r.status === 'SUCCEEDED');
}

function callAsOf(value: string): CallAs {
  if (!(CALL_AS as readonly string[]).includes(value)) {
    throw new OrgUsageError(
      `--call-as "${value}" is not valid: expected SELF (management account) or DELEGATED_ADMIN.`,
    );
  }
  return value as CallAs;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: '.org' },
      stage: { type: 'string', default: 'dev' },
      param: { type: 'string', multiple: true, default: [] },
      ou: { type: 'string' },
      'call-as': { type: 'string', default: 'SELF' },
    },
  });
  const command = positionals[0];
  const dir = resolve(values.dir);
  const cfn = new CloudFormationClient({ region: HOME_REGION });

  switch (command) {
    case 'package': {
      const params = parseParams(values.param);
      // Refuse a bad setting before the (slow) packaging does.
      orgSettings(params);
      await packageMemberStack(dir, { stage: values.stage, params });
      const manifest = await assembleRelease(dir, { params });
      out(`Packaged agentcore-guard ${manifest.version} (stage ${manifest.stage}) into ${values.dir}/:`);
      for (const file of [...manifest.code, manifest.memberTemplate, manifest.forwarderTemplate]) {
        out(`  ${file.file.padEnd(28)} ${file.key}`);
      }
      out(
        manifest.forwarderRegions.length > 0
          ? `Forwarders: ${manifest.forwarderRegions.join(', ')}.`
          : `No forwarders: agents run in ${HOME_REGION} only (--param agentRegions names others).`,
      );
      out('Next: npm run org -- stage');
      return 0;
    }
    case 'stage': {
      const manifest = await readManifest(dir);
      const { outcome, bucket } = await ensureArtifactBucket(cfn, manifest);
      out(`Artifact bucket ${bucket} (${HOME_REGION}): ${outcome}.`);
      const staged = await stageRelease(new S3Client({ region: HOME_REGION }), bucket, manifest, dir);
      for (const key of staged.uploaded) out(`  uploaded ${key}`);
      for (const key of staged.skipped) out(`  already there ${key}`);
      out('Next: npm run org -- deploy --ou <ou-id> (first rollout) or npm run org -- update');
      return 0;
    }
    case 'deploy':
    case 'update': {
      const manifest = await readManifest(dir);
      const callAs = callAsOf(values['call-as']);
      const ous = commaList(values.ou);
      if (command === 'deploy') {
        if (ous.length === 0)
          throw new OrgUsageError('deploy needs --ou <ou-id,…>: the OUs (or root r-…) whose accounts get the stack.');
        const bad = ous.find((ou) => !ORGANIZATION_PARENT_PATTERN.test(ou));
        if (bad) throw new OrgUsageError(`--ou "${bad}" is not an OU id (ou-…) or root id (r-…).`);
      }
      const bucket = await artifactBucket(cfn, manifest);
      await checkStaged(new S3Client({ region: HOME_REGION }), bucket, manifest);
      const target = { manifest, bucket, callAs };
      const reports =
        command === 'deploy'
          ? (await deployRollout({ cloudFormation: cfn }, target, ous)).operations
          : await updateRollout({ cloudFormation: cfn }, target);
      let ok = true;
      for (const report of reports) ok = printOperation(report) && ok;
      return ok ? 0 : 1;
    }
    case 'status':
    case 'remove': {
      const manifest = await readManifest(dir);
      const scope = { service: manifest.service, stage: manifest.stage, callAs: callAsOf(values['call-as']) };
      if (command === 'status') {
        let ok = true;
        for (const set of await rolloutStatus(cfn, scope)) {
          if (!set.instances) {
            out(`${set.stackSetName}: no stack set`);
            continue;
          }
          out(`${set.stackSetName}: ${set.instances.length} instance(s)`);
          for (const i of set.instances) {
            ok = ok && i.status === 'CURRENT';
            out(
              `  ${i.account}  ${i.region.padEnd(14)}  ${i.organizationalUnitId ?? '-'}  ${i.status}` +
                `${i.detailedStatus ? ` (${i.detailedStatus})` : ''}${i.reason ? `  ${i.reason}` : ''}`,
            );
          }
        }
        return ok ? 0 : 1;
      }
      let ok = true;
      for (const step of await removeRollout({ cloudFormation: cfn }, scope)) {
        if (step.operation) ok = printOperation(step.operation) && ok;
        out(`${step.stackSetName}: ${step.outcome === 'absent' ? 'no stack set, nothing to remove' : step.outcome}`);
        if (step.outcome === 'failed') ok = false;
      }
      if (ok) out(`The artifact bucket stays; docs/organization.md says how to delete it.`);
      return ok ? 0 : 1;
    }
    default:
      throw new OrgUsageError(USAGE);
  }
}

sayNodeVersionNoticeOnce();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // node:util parseArgs refuses an unknown or malformed option with an ERR_PARSE_ARGS_* code.
    const usage = error instanceof OrgUsageError || /^ERR_PARSE_ARGS/.test(String((error as { code?: unknown }).code));
    const known = usage || error instanceof OrgRolloutError;
    process.stderr.write(
      `org: ${error instanceof Error ? (known ? error.message : `${error.name}: ${error.message}`) : String(error)}\n`,
    );
    process.exitCode = usage ? 2 : 1;
  },
);
