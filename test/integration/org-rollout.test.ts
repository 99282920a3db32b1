import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStackSetCommand } from '@aws-sdk/client-cloudformation';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactBucketTemplate } from '../../deploy/artifact-bucket-template.js';
import { assembleRelease, packageMemberStack, type ReleaseManifest } from '../../deploy/org-package.js';
import {
  deployRollout,
  ensureArtifactBucket,
  releaseFiles,
  rolloutStatus,
  stageRelease,
  updateRollout,
} from '../../deploy/org-rollout.js';
import { templateKey } from '../../deploy/stackset-template.js';
import { offlinePackagingEnv } from '../../scripts/lib/artifacts.js';
import { CFN_LINT_TIMEOUT_MS, cfnLint } from '../support/cfn-lint.js';
import { credentialsIn } from '../support/fleet-fixtures.js';
import { onePackagingAtATime } from '../support/packaging.js';
import { runProjectScript } from '../support/project-script.js';
import { useMoto } from '../support/use-moto.js';

/**
 * The organization rollout against moto: the real member stack packaged once (osls, offline), made into a release,
 * its artifact bucket created through CloudFormation, staged, and rolled out with service-managed stack sets to the
 * accounts of an OU, where moto creates each instance's resources in that account.
 *
 * What moto cannot do, and where it is covered instead:
 * - Its CloudFormation applies none of the bucket's versioning, public access block or ownership settings, and skips
 *   AWS::S3::BucketPolicy: they are held on the template (test/unit/deploy/artifact-bucket-template.test.ts) and by
 *   cfn-lint here.
 * - It ignores AutoDeployment, CallAs, OperationPreferences and ManagedExecution, and reports an OU-targeted operation
 *   with no per-account results (it lists only accounts named in `Accounts`): the requests are asserted in
 *   test/unit/deploy/org-rollout.test.ts; here each account's instance is read with ListStackInstances instead.
 * - Its ListStackInstances names no OrganizationalUnitId and its DeleteStackInstances ignores DeploymentTargets, so
 *   `remove` (delete by OU, then the stack set) cannot run against it: unit-tested only.
 * - It does not enforce the bucket policy on a member account's read of the code (its Lambda finds the object across
 *   accounts without one), so a member's access is not proven here, only that each function got the staged bytes.
 */

const moto = useMoto();
const REGIONS = 'us-east-1,eu-west-1';
/** moto's default account: the administrator. */
const ADMINISTRATOR = '123456789012';

let workDir: string;
let packagedDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'agentcore-guard-org-'));
  await onePackagingAtATime(() =>
    packageMemberStack(workDir, {
      stage: 'dev',
      params: { agentRegions: REGIONS, auditAdministratorAccount: ADMINISTRATOR },
      env: offlinePackagingEnv(workDir),
    }),
  );
  packagedDir = join(workDir, 'serverless');
}, 240_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A release of the packaged stack for this organization, in a folder of its own. */
async function release(organizationId: string): Promise<{ dir: string; manifest: ReleaseManifest }> {
  const dir = await mkdtemp(join(workDir, 'release-'));
  const manifest = await assembleRelease(dir, {
    params: { organizationId, agentRegions: REGIONS, auditAdministratorAccount: ADMINISTRATOR },
    packagedDir,
  });
  return { dir, manifest };
}

/** An organization with an OU "agents" holding two new accounts. */
async function organization(): Promise<{ organizationId: string; ou: string; accounts: string[] }> {
  const org = new OrganizationsClient({});
  const organizationId = (await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization?.Id ?? '';
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const ou =
    (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'agents' }))).OrganizationalUnit?.Id ??
    '';
  const accounts: string[] = [];
  for (const name of ['agents-a', 'agents-b']) {
    const { CreateAccountStatus } = await org.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    const account = CreateAccountStatus?.AccountId ?? '';
    await org.send(new MoveAccountCommand({ AccountId: account, SourceParentId: root, DestinationParentId: ou }));
    accounts.push(account);
  }
  return { organizationId, ou, accounts: accounts.sort() };
}

/** The org command, run as `npm run org -- …` runs it, against the emulator. */
const org = (args: string[]) => runProjectScript('org', args, moto.endpoint);

const s3 = () => new S3Client({ forcePathStyle: true });
const STACK_WAIT = { minDelay: 1, maxWaitTime: 60 };
const OPERATION_WAIT = { delayMs: 200, maxWaitMs: 30_000 };

describe('the organization templates', () => {
  it(
    'pass cfn-lint: the StackSet template of the packaged stack, the forwarders and the artifact bucket',
    async () => {
      // Prepare
      const { dir, manifest } = await release('o-exampleorg1');
      const bucketFile = join(dir, 'artifact-bucket.json');
      await writeFile(bucketFile, JSON.stringify(artifactBucketTemplate()));

      // Act
      const home = await cfnLint([join(dir, manifest.memberTemplate.file), bucketFile], ['--regions', 'us-east-1']);
      const forwarders = await cfnLint([join(dir, manifest.forwarderTemplate.file)], ['--regions', 'eu-west-1']);

      // Assess
      expect(home).toEqual({ code: 0, output: '' });
      expect(forwarders).toEqual({ code: 0, output: '' });
    },
    CFN_LINT_TIMEOUT_MS,
  );

  it("keeps every resource of the packaged stack but osls's deployment bucket and its policy", async () => {
    // Prepare
    const { dir, manifest } = await release('o-exampleorg1');
    const packaged = JSON.parse(await readFile(join(packagedDir, 'cloudformation-template-update-stack.json'), 'utf8'));

    // Act
    const member = JSON.parse(await readFile(join(dir, manifest.memberTemplate.file), 'utf8'));

    // Assess
    const removed = ['ServerlessDeploymentBucket', 'ServerlessDeploymentBucketPolicy'];
    expect(Object.keys(member.Resources).sort()).toEqual(
      Object.keys(packaged.Resources)
        .filter((id) => !removed.includes(id))
        .sort(),
    );
    const functionKeys = Object.values(
      member.Resources as Record<string, { Type: string; Properties: { Code?: { S3Key: string } } }>,
    )
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Code?.S3Key);
    expect(functionKeys.length).toBeGreaterThan(0);
    expect(manifest.code.map((c) => c.key)).toEqual(expect.arrayContaining(functionKeys));
  });
});

describe('the organization rollout against moto', () => {
  it('stages every file once into the artifact bucket stack: the objects are the files, and a second stage uploads nothing', async () => {
    // Prepare
    const { organizationId } = await organization();
    const { dir, manifest } = await release(organizationId);
    const cfn = new CloudFormationClient({});

    // Act
    const { outcome, bucket } = await ensureArtifactBucket(cfn, manifest, STACK_WAIT);
    const first = await stageRelease(s3(), bucket, manifest, dir);
    const again = await ensureArtifactBucket(cfn, manifest, STACK_WAIT);
    const second = await stageRelease(s3(), bucket, manifest, dir);

    // Assess
    const keys = releaseFiles(manifest).map((f) => f.key);
    expect(outcome).toBe('created');
    expect(again).toEqual({ outcome: 'unchanged', bucket });
    expect(first).toEqual({ uploaded: keys, skipped: [] });
    expect(second).toEqual({ uploaded: [], skipped: keys });
    for (const file of releaseFiles(manifest)) {
      const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: file.key }));
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      expect(bytes.equals(await readFile(join(dir, file.file)))).toBe(true);
    }
  });

  it('rolls the member stack out to each account of the OU with the staged code, and the forwarders to the other region', async () => {
    // Prepare
    const { organizationId, ou, accounts } = await organization();
    const { dir, manifest } = await release(organizationId);
    const cfn = new CloudFormationClient({});
    const { bucket } = await ensureArtifactBucket(cfn, manifest, STACK_WAIT);
    await stageRelease(s3(), bucket, manifest, dir);

    // Act
    const deployed = await deployRollout(
      { cloudFormation: cfn, wait: OPERATION_WAIT },
      { manifest, bucket, callAs: 'SELF' },
      [ou],
    );
    const status = await rolloutStatus(cfn, { service: 'agentcore-guard', stage: 'dev', callAs: 'SELF' });

    // Assess
    expect(deployed.created).toEqual(['member', 'forwarders']);
    expect(deployed.operations.map((o) => [o.stackSetName, o.status])).toEqual([
      ['agentcore-guard-dev', 'SUCCEEDED'],
      ['agentcore-guard-dev-forwarders', 'SUCCEEDED'],
    ]);
    expect(status.map((s) => [s.stackSetName, s.instances?.map((i) => [i.account, i.region, i.status])])).toEqual([
      ['agentcore-guard-dev', accounts.map((a) => [a, 'us-east-1', 'CURRENT'])],
      ['agentcore-guard-dev-forwarders', accounts.map((a) => [a, 'eu-west-1', 'CURRENT'])],
    ]);
    const { StackSet } = await cfn.send(new DescribeStackSetCommand({ StackSetName: 'agentcore-guard-dev' }));
    expect(StackSet?.TemplateBody).toBe(await readFile(join(dir, manifest.memberTemplate.file), 'utf8'));
    // Each member account has the stack's functions, built from the staged zips (Lambda's CodeSha256 is base64).
    const staged = manifest.code.map((c) => Buffer.from(c.sha256, 'hex').toString('base64'));
    for (const account of accounts) {
      const credentials = await credentialsIn(account);
      const { Functions = [] } = await new LambdaClient({ credentials }).send(new ListFunctionsCommand({}));
      expect(Functions.length).toBeGreaterThan(0);
      for (const fn of Functions) expect(staged).toContain(fn.CodeSha256);
      const { Roles = [] } = await new IAMClient({ credentials }).send(new ListRolesCommand({}));
      expect(Roles.map((r) => r.RoleName)).toEqual(
        expect.arrayContaining(['agentcore-guard-dev-audit', 'agentcore-guard-dev-forwarder-eu-west-1']),
      );
    }
  });

  it('moves both stack sets to a new release with update', async () => {
    // Prepare
    const { organizationId, ou } = await organization();
    const first = await release(organizationId);
    const cfn = new CloudFormationClient({});
    const { bucket } = await ensureArtifactBucket(cfn, first.manifest, STACK_WAIT);
    await stageRelease(s3(), bucket, first.manifest, first.dir);
    await deployRollout(
      { cloudFormation: cfn, wait: OPERATION_WAIT },
      { manifest: first.manifest, bucket, callAs: 'SELF' },
      [ou],
    );
    // The next release: the same stack with a changed description, so its template has another key.
    const next = await release(organizationId);
    const memberFile = join(next.dir, next.manifest.memberTemplate.file);
    const member = JSON.parse(await readFile(memberFile, 'utf8'));
    member.Description = `${member.Description} (next)`;
    const text = `${JSON.stringify(member, null, 2)}\n`;
    await writeFile(memberFile, text);
    const digest = createHash('sha256').update(text).digest('hex');
    next.manifest.memberTemplate = {
      ...next.manifest.memberTemplate,
      sha256: digest,
      key: templateKey(next.manifest.version, digest),
    };
    await stageRelease(s3(), bucket, next.manifest, next.dir);

    // Act
    const reports = await updateRollout(
      { cloudFormation: cfn, wait: OPERATION_WAIT },
      { manifest: next.manifest, bucket, callAs: 'SELF' },
    );

    // Assess
    expect(reports.map((r) => [r.stackSetName, r.action, r.status])).toEqual([
      ['agentcore-guard-dev', 'UpdateStackSet', 'SUCCEEDED'],
      ['agentcore-guard-dev-forwarders', 'UpdateStackSet', 'SUCCEEDED'],
    ]);
    const { StackSet } = await cfn.send(new DescribeStackSetCommand({ StackSetName: 'agentcore-guard-dev' }));
    expect(StackSet?.TemplateBody).toBe(text);
  });

  it("stages, deploys to an OU and shows each account's instances through `npm run org`, as a person runs it", async () => {
    // Prepare
    const { ou, organizationId, accounts } = await organization();
    const { dir } = await release(organizationId);

    // Act
    const staged = await org(['stage', '--dir', dir]);
    const deployed = await org(['deploy', '--ou', ou, '--dir', dir]);
    const status = await org(['status', '--dir', dir]);

    // Assess
    expect(staged).toMatchObject({ code: 0, stderr: '' });
    expect(staged.stdout).toMatch(/Artifact bucket \S+ \(us-east-1\): created\./);
    expect(deployed).toMatchObject({ code: 0, stderr: '' });
    expect(deployed.stdout).toContain('agentcore-guard-dev: CreateStackInstances SUCCEEDED');
    expect(status.code).toBe(0);
    for (const account of accounts) {
      expect(status.stdout).toMatch(new RegExp(`${account}\\s+us-east-1\\s+-\\s+CURRENT`));
      expect(status.stdout).toMatch(new RegExp(`${account}\\s+eu-west-1\\s+-\\s+CURRENT`));
    }
  });

  it('refuses a deploy without --ou before calling AWS, with exit code 2', async () => {
    // Prepare
    const { dir } = await release('o-exampleorg1');

    // Act
    const result = await org(['deploy', '--dir', dir]);

    // Assess
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'org: deploy needs --ou <ou-id,…>: the OUs (or root r-…) whose accounts get the stack.\n',
    });
  });
});
