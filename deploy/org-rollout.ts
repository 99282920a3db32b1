/**
 * The organization rollout (docs/organization.md): the artifact bucket, the staged release, and two service-managed
 * stack sets in the administrator account's home region:
 * - `<service>-<stage>`: the member stack, in the home region of every account of the chosen OUs;
 * - `<service>-<stage>-forwarders`: the runtime-event forwarders, in every other agent region of the same accounts.
 *
 * Both deploy automatically to accounts that join those OUs, and remove their stacks from accounts that leave. Each
 * member stack writes IAM only inside its own account: the StackSets execution role CloudFormation manages is the only
 * cross-account principal, and this code gives it nothing of its own.
 *
 * Functions over an injected CloudFormation and S3 client (scripts/org.ts is the command line). Credentials come from
 * the SDK's own chain; `callAs` is SELF from the management account, DELEGATED_ADMIN from a delegated administrator.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CallAs,
  type CloudFormationClient,
  CreateStackInstancesCommand,
  type CreateStackInstancesCommandInput,
  CreateStackSetCommand,
  type CreateStackSetCommandInput,
  DeleteStackInstancesCommand,
  DeleteStackSetCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  type Parameter,
  paginateListStackInstances,
  paginateListStackSetOperationResults,
  type StackSetOperationPreferences,
  UpdateStackSetCommand,
  type UpdateStackSetCommandInput,
} from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { HOME_REGION } from '../src/settings.js';
import {
  ARTIFACT_BUCKET_OUTPUTS,
  artifactBucketStackName,
  artifactBucketTemplate,
} from './artifact-bucket-template.js';
import type { ReleaseFile, ReleaseManifest } from './org-package.js';
import { type DeployOutcome, deployStack, describeStack, type WaitOptions } from './stacks.js';
import { ARTIFACT_BUCKET_PARAMETER } from './stackset-template.js';

/** A rollout step AWS refused or that did not finish; the message says what to do next. */
export class OrgRolloutError extends Error {
  override name = 'OrgRolloutError';
}

export const CALL_AS = ['SELF', 'DELEGATED_ADMIN'] as const satisfies readonly CallAs[];

/** What a stack set is for. */
export type StackSetRole = 'member' | 'forwarders';

export const stackSetNames = (service: string, stage: string): Record<StackSetRole, string> => ({
  member: `${service}-${stage}`,
  forwarders: `${service}-${stage}-forwarders`,
});

/**
 * How an operation spreads: all regions at once, a quarter of the accounts at a time, and it goes on past failures
 * in up to a tenth of them (rounded down: in a small organization the first failure stops it). A template broken for
 * everyone stops early instead of failing every account; one odd account does not hold up the rest.
 */
export const OPERATION_PREFERENCES: StackSetOperationPreferences = {
  RegionConcurrencyType: 'PARALLEL',
  ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
  FailureTolerancePercentage: 10,
  MaxConcurrentPercentage: 25,
};

/** The member stack names the audit role (CAPABILITY_NAMED_IAM); the rest of its roles are named by CloudFormation. */
const CAPABILITIES = {
  member: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
  forwarders: ['CAPABILITY_NAMED_IAM'],
} as const;

/** The S3 address CloudFormation reads a staged template from (virtual-hosted style, in the bucket's region). */
export const templateUrl = (bucket: string, key: string): string =>
  `https://${bucket}.s3.${HOME_REGION}.amazonaws.com/${key}`;

// --- Errors ---------------------------------------------------------------------------------------------------------

const TRUSTED_ACCESS =
  'Trusted access for CloudFormation StackSets is not enabled in the organization. From the management account run:\n' +
  '  aws cloudformation activate-organizations-access\n' +
  '(or: aws organizations enable-aws-service-access --service-principal member.org.stacksets.cloudformation.amazonaws.com), then run this again.';

const NOT_ADMINISTRATOR =
  'This account may not operate service-managed stack sets. Run from the management account with --call-as SELF, or ' +
  'register this account as a delegated administrator from the management account:\n' +
  '  aws organizations register-delegated-administrator --account-id <this account> --service-principal member.org.stacksets.cloudformation.amazonaws.com\n' +
  'and run with --call-as DELEGATED_ADMIN.';

/** A StackSets error as a person can act on it; anything not recognised is returned unchanged. */
export function explainStackSetError(error: unknown, stackSetName: string): unknown {
  if (!(error instanceof Error)) return error;
  const text = `${error.name}: ${error.message}`;
  if (/enable (AWS )?organizations access|trusted access/i.test(text)) return new OrgRolloutError(TRUSTED_ACCESS);
  if (/(master|management) or (a )?delegated admin|not (registered as )?(a )?delegated admin/i.test(text)) {
    return new OrgRolloutError(NOT_ADMINISTRATOR);
  }
  switch (error.name) {
    case 'StackSetNotFoundException':
      return new OrgRolloutError(
        `There is no stack set ${stackSetName} (with --call-as as given): create it with npm run org -- deploy --ou <ou-id>.`,
      );
    case 'OperationInProgressException':
      return new OrgRolloutError(
        `Another operation is running on ${stackSetName}: wait for it (npm run org -- status) and run this again.`,
      );
    case 'StackSetNotEmptyException':
      return new OrgRolloutError(
        `${stackSetName} still has stack instances: run npm run org -- remove again once its delete operation is done.`,
      );
    case 'InsufficientCapabilitiesException':
      return new OrgRolloutError(
        `${stackSetName}: ${error.message} (the template needs a capability this code does not pass).`,
      );
    default:
      return error;
  }
}

async function calling<T>(stackSetName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainStackSetError(error, stackSetName);
  }
}

// --- The artifact bucket and staging ----------------------------------------------------------------------------------

/** Creates or updates the artifact bucket stack (home region of this account) and says what the bucket is called. */
export async function ensureArtifactBucket(
  cfn: CloudFormationClient,
  manifest: Pick<ReleaseManifest, 'service' | 'stage' | 'settings'>,
  wait: WaitOptions = {},
): Promise<{ outcome: DeployOutcome; bucket: string }> {
  const stackName = artifactBucketStackName(manifest.service, manifest.stage);
  const outcome = await deployStack(
    cfn,
    {
      stackName,
      region: HOME_REGION,
      templateBody: JSON.stringify(artifactBucketTemplate()),
      parameters: () => [{ ParameterKey: 'OrganizationId', ParameterValue: manifest.settings.organizationId }],
      tags: [
        { Key: 'app', Value: 'agentcore-guard' },
        { Key: 'stage', Value: manifest.stage },
      ],
    },
    wait,
  );
  return { outcome, bucket: await artifactBucket(cfn, manifest) };
}

/** The artifact bucket's name from its stack, or an error that says to stage first. */
export async function artifactBucket(
  cfn: CloudFormationClient,
  manifest: Pick<ReleaseManifest, 'service' | 'stage'>,
): Promise<string> {
  const stackName = artifactBucketStackName(manifest.service, manifest.stage);
  const stack = await describeStack(cfn, stackName);
  const bucket = stack?.Outputs?.find((o) => o.OutputKey === ARTIFACT_BUCKET_OUTPUTS.name)?.OutputValue;
  if (!bucket) {
    throw new OrgRolloutError(
      `No artifact bucket: the stack ${stackName} (${HOME_REGION}) is missing or has no ${ARTIFACT_BUCKET_OUTPUTS.name} output. Run npm run org -- stage first.`,
    );
  }
  return bucket;
}

const isNotFound = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'NotFound' ||
    error.name === 'NoSuchKey' ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Every file of a release, code first: a template is only of use once the code it names is there. */
export const releaseFiles = (manifest: ReleaseManifest): ReleaseFile[] => [
  ...manifest.code,
  manifest.memberTemplate,
  manifest.forwarderTemplate,
];

/**
 * Uploads each file of the release that the bucket does not hold yet. Keys are named by content, so a key that exists
 * holds these bytes already; S3 checks each upload against its SHA-256.
 */
export async function stageRelease(
  s3: S3Client,
  bucket: string,
  manifest: ReleaseManifest,
  releaseDir: string,
): Promise<{ uploaded: string[]; skipped: string[] }> {
  const uploaded: string[] = [];
  const skipped: string[] = [];
  for (const file of releaseFiles(manifest)) {
    if (await objectExists(s3, bucket, file.key)) {
      skipped.push(file.key);
      continue;
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: file.key,
        Body: await readFile(join(releaseDir, file.file)),
        ChecksumSHA256: Buffer.from(file.sha256, 'hex').toString('base64'),
        ContentType: file.key.endsWith('.json') ? 'application/json' : 'application/zip',
      }),
    );
    uploaded.push(file.key);
  }
  return { uploaded, skipped };
}

/** Refuses to roll out a release whose files are not all in the bucket. */
export async function checkStaged(s3: S3Client, bucket: string, manifest: ReleaseManifest): Promise<void> {
  const missing: string[] = [];
  for (const file of releaseFiles(manifest)) if (!(await objectExists(s3, bucket, file.key))) missing.push(file.key);
  if (missing.length > 0) {
    throw new OrgRolloutError(
      `Release ${manifest.version} is not staged (${missing.length} file(s) missing from ${bucket}, e.g. ${missing[0]}): run npm run org -- stage first.`,
    );
  }
}

// --- Requests ---------------------------------------------------------------------------------------------------------

export interface RolloutTarget {
  manifest: ReleaseManifest;
  bucket: string;
  callAs: CallAs;
}

/** The stack set's template parameters: the bucket for the member stack; service, stage, home region, e-mail for the forwarders. */
export function stackSetParameters(
  role: StackSetRole,
  { manifest, bucket }: Omit<RolloutTarget, 'callAs'>,
): Parameter[] {
  if (role === 'member') return [{ ParameterKey: ARTIFACT_BUCKET_PARAMETER, ParameterValue: bucket }];
  return [
    { ParameterKey: 'Service', ParameterValue: manifest.service },
    { ParameterKey: 'Stage', ParameterValue: manifest.stage },
    { ParameterKey: 'HomeRegion', ParameterValue: HOME_REGION },
    { ParameterKey: 'AlertEmail', ParameterValue: manifest.settings.alertEmail ?? '' },
  ];
}

const templateOf = (role: StackSetRole, manifest: ReleaseManifest) =>
  role === 'member' ? manifest.memberTemplate : manifest.forwarderTemplate;

/** Where a stack set's instances go: the home region for the member stack, the other agent regions for forwarders. */
export const regionsOf = (role: StackSetRole, manifest: ReleaseManifest): string[] =>
  role === 'member' ? [HOME_REGION] : manifest.forwarderRegions;

/** The stack sets a release has: the forwarders only when agents run outside the home region. */
export const rolesOf = (manifest: ReleaseManifest): StackSetRole[] =>
  manifest.forwarderRegions.length > 0 ? ['member', 'forwarders'] : ['member'];

export function createStackSetInput(role: StackSetRole, target: RolloutTarget): CreateStackSetCommandInput {
  const { manifest, bucket, callAs } = target;
  return {
    StackSetName: stackSetNames(manifest.service, manifest.stage)[role],
    Description:
      role === 'member'
        ? `agentcore-guard ${manifest.version}: the member stack (${HOME_REGION}) of every account in the target OUs.`
        : `agentcore-guard ${manifest.version}: runtime-event forwarders to ${HOME_REGION}, in the other agent regions.`,
    TemplateURL: templateUrl(bucket, templateOf(role, manifest).key),
    Parameters: stackSetParameters(role, target),
    Capabilities: [...CAPABILITIES[role]],
    PermissionModel: 'SERVICE_MANAGED',
    // New accounts in the OUs get the stack; an account that leaves them loses it (no orphaned stack holding IAM writes).
    AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
    // Lets StackSets queue an operation behind a running one instead of refusing it.
    ManagedExecution: { Active: true },
    CallAs: callAs,
    Tags: [
      { Key: 'app', Value: 'agentcore-guard' },
      { Key: 'stage', Value: manifest.stage },
    ],
  };
}

export function createStackInstancesInput(
  role: StackSetRole,
  target: RolloutTarget,
  organizationalUnitIds: string[],
): CreateStackInstancesCommandInput {
  const { manifest, callAs } = target;
  return {
    StackSetName: stackSetNames(manifest.service, manifest.stage)[role],
    DeploymentTargets: { OrganizationalUnitIds: organizationalUnitIds },
    Regions: regionsOf(role, manifest),
    OperationPreferences: OPERATION_PREFERENCES,
    CallAs: callAs,
  };
}

export function updateStackSetInput(role: StackSetRole, target: RolloutTarget): UpdateStackSetCommandInput {
  const { StackSetName, Description, TemplateURL, Parameters, Capabilities, CallAs, Tags } = createStackSetInput(
    role,
    target,
  );
  return {
    StackSetName,
    Description,
    TemplateURL,
    Parameters,
    Capabilities,
    CallAs,
    Tags,
    OperationPreferences: OPERATION_PREFERENCES,
  };
}

// --- Operations -------------------------------------------------------------------------------------------------------

export interface OperationWait {
  /** Between polls. */
  delayMs?: number;
  /** How long the command waits before it gives up (the operation goes on in CloudFormation). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_OPERATION_WAIT = { delayMs: 15_000, maxWaitMs: 3_600_000 };
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface InstanceResult {
  account: string;
  region: string;
  status: string;
  reason?: string;
}

export interface OperationReport {
  stackSetName: string;
  operationId: string;
  action: string;
  status: string;
  results: InstanceResult[];
}

/**
 * Polls a stack set operation until it ends, within `maxWaitMs`, and reports each account and region. An operation
 * still running at the end is an error that says how to follow it; one that ended FAILED or STOPPED is reported, not
 * thrown, so every account's result is seen.
 */
export async function waitForOperation(
  cfn: CloudFormationClient,
  request: { stackSetName: string; operationId: string; callAs: CallAs; action: string },
  wait: OperationWait = {},
): Promise<OperationReport> {
  const { delayMs, maxWaitMs } = { ...DEFAULT_OPERATION_WAIT, ...wait };
  const sleep = wait.sleep ?? sleepFor;
  const { stackSetName, operationId, callAs } = request;
  const attempts = Math.max(1, Math.ceil(maxWaitMs / delayMs) + 1);
  let status = 'RUNNING';
  for (let attempt = 1; ; attempt += 1) {
    const { StackSetOperation } = await calling(stackSetName, () =>
      cfn.send(
        new DescribeStackSetOperationCommand({ StackSetName: stackSetName, OperationId: operationId, CallAs: callAs }),
      ),
    );
    status = StackSetOperation?.Status ?? 'RUNNING';
    if (!['RUNNING', 'QUEUED', 'STOPPING'].includes(status)) break;
    if (attempt >= attempts) {
      throw new OrgRolloutError(
        `${request.action} on ${stackSetName} is still ${status} after ${Math.round(maxWaitMs / 1000)} s (operation ${operationId}); ` +
          'it goes on in CloudFormation. Follow it with npm run org -- status.',
      );
    }
    await sleep(delayMs);
  }
  const results: InstanceResult[] = [];
  for await (const page of paginateListStackSetOperationResults(
    { client: cfn },
    { StackSetName: stackSetName, OperationId: operationId, CallAs: callAs },
  )) {
    for (const summary of page.Summaries ?? []) {
      results.push({
        account: summary.Account ?? '?',
        region: summary.Region ?? '?',
        status: summary.Status ?? '?',
        ...(summary.StatusReason ? { reason: summary.StatusReason } : {}),
      });
    }
  }
  results.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  return { stackSetName, operationId, action: request.action, status, results };
}

export interface RolloutDeps {
  cloudFormation: CloudFormationClient;
  wait?: OperationWait;
}

/**
 * Creates each stack set of the release (or keeps the one that exists: `update` changes its template) and its
 * instances in the OUs' accounts, waiting for each operation. Adding an OU is the same call with that OU.
 */
export async function deployRollout(
  deps: RolloutDeps,
  target: RolloutTarget,
  organizationalUnitIds: string[],
): Promise<{ created: StackSetRole[]; existing: StackSetRole[]; operations: OperationReport[] }> {
  if (organizationalUnitIds.length === 0) {
    throw new OrgRolloutError(
      '--ou is empty: name the OUs (ou-…) or root (r-…) to deploy to, e.g. --ou ou-ab12-cd34ef56.',
    );
  }
  const cfn = deps.cloudFormation;
  const created: StackSetRole[] = [];
  const existing: StackSetRole[] = [];
  const operations: OperationReport[] = [];
  for (const role of rolesOf(target.manifest)) {
    const input = createStackSetInput(role, target);
    const name = input.StackSetName as string;
    try {
      await cfn.send(new CreateStackSetCommand(input));
      created.push(role);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'NameAlreadyExistsException'))
        throw explainStackSetError(error, name);
      existing.push(role);
    }
    const { OperationId } = await calling(name, () =>
      cfn.send(new CreateStackInstancesCommand(createStackInstancesInput(role, target, organizationalUnitIds))),
    );
    operations.push(
      await waitForOperation(
        cfn,
        {
          stackSetName: name,
          operationId: OperationId as string,
          callAs: target.callAs,
          action: 'CreateStackInstances',
        },
        deps.wait,
      ),
    );
  }
  return { created, existing, operations };
}

/** Moves each stack set, and so every instance, to the release's templates, waiting for each operation. */
export async function updateRollout(deps: RolloutDeps, target: RolloutTarget): Promise<OperationReport[]> {
  const operations: OperationReport[] = [];
  for (const role of rolesOf(target.manifest)) {
    const input = updateStackSetInput(role, target);
    const name = input.StackSetName as string;
    const { OperationId } = await calling(name, () => deps.cloudFormation.send(new UpdateStackSetCommand(input)));
    operations.push(
      await waitForOperation(
        deps.cloudFormation,
        { stackSetName: name, operationId: OperationId as string, callAs: target.callAs, action: 'UpdateStackSet' },
        deps.wait,
      ),
    );
  }
  return operations;
}

export interface InstanceStatus {
  stackSetName: string;
  account: string;
  region: string;
  organizationalUnitId?: string;
  status: string;
  detailedStatus?: string;
  reason?: string;
}

/** Every instance of a stack set, or undefined when there is no such stack set. */
export async function listInstances(
  cfn: CloudFormationClient,
  stackSetName: string,
  callAs: CallAs,
): Promise<InstanceStatus[] | undefined> {
  try {
    await cfn.send(new DescribeStackSetCommand({ StackSetName: stackSetName, CallAs: callAs }));
  } catch (error) {
    if (error instanceof Error && error.name === 'StackSetNotFoundException') return undefined;
    throw explainStackSetError(error, stackSetName);
  }
  const instances: InstanceStatus[] = [];
  for await (const page of paginateListStackInstances(
    { client: cfn },
    { StackSetName: stackSetName, CallAs: callAs },
  )) {
    for (const s of page.Summaries ?? []) {
      instances.push({
        stackSetName,
        account: s.Account ?? '?',
        region: s.Region ?? '?',
        ...(s.OrganizationalUnitId ? { organizationalUnitId: s.OrganizationalUnitId } : {}),
        status: s.Status ?? '?',
        ...(s.StackInstanceStatus?.DetailedStatus ? { detailedStatus: s.StackInstanceStatus.DetailedStatus } : {}),
        ...(s.StatusReason ? { reason: s.StatusReason } : {}),
      });
    }
  }
  instances.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  return instances;
}

/** Both stack sets' instances, per account and region; a stack set that does not exist is named as absent. */
export async function rolloutStatus(
  cfn: CloudFormationClient,
  scope: { service: string; stage: string; callAs: CallAs },
): Promise<{ stackSetName: string; instances?: InstanceStatus[] }[]> {
  const names = stackSetNames(scope.service, scope.stage);
  return Promise.all(
    [names.member, names.forwarders].map(async (stackSetName) => {
      const instances = await listInstances(cfn, stackSetName, scope.callAs);
      return instances === undefined ? { stackSetName } : { stackSetName, instances };
    }),
  );
}

export type RemoveOutcome = 'removed' | 'absent' | 'failed';

/**
 * Removes the forwarders, then the member stacks: each stack set's instances (every OU and region they are in),
 * then the stack set; a delete operation that does not succeed stops there ('failed'). The artifact bucket stays (its stack retains it); docs/organization.md says when to delete it.
 */
export async function removeRollout(
  deps: RolloutDeps,
  scope: { service: string; stage: string; callAs: CallAs },
): Promise<{ stackSetName: string; outcome: RemoveOutcome; operation?: OperationReport }[]> {
  const names = stackSetNames(scope.service, scope.stage);
  const cfn = deps.cloudFormation;
  const removed: { stackSetName: string; outcome: RemoveOutcome; operation?: OperationReport }[] = [];
  for (const stackSetName of [names.forwarders, names.member]) {
    const instances = await listInstances(cfn, stackSetName, scope.callAs);
    if (instances === undefined) {
      removed.push({ stackSetName, outcome: 'absent' });
      continue;
    }
    let operation: OperationReport | undefined;
    if (instances.length > 0) {
      const ous = [...new Set(instances.flatMap((i) => (i.organizationalUnitId ? [i.organizationalUnitId] : [])))];
      if (ous.length === 0) {
        throw new OrgRolloutError(
          `The instances of ${stackSetName} name no OU, so they cannot be deleted by OU: delete them with ` +
            `aws cloudformation delete-stack-instances --stack-set-name ${stackSetName} --deployment-targets OrganizationalUnitIds=<ou> --regions <regions> --no-retain-stacks, then run this again.`,
        );
      }
      const regions = [...new Set(instances.map((i) => i.region))];
      const { OperationId } = await calling(stackSetName, () =>
        cfn.send(
          new DeleteStackInstancesCommand({
            StackSetName: stackSetName,
            DeploymentTargets: { OrganizationalUnitIds: ous },
            Regions: regions,
            RetainStacks: false,
            OperationPreferences: OPERATION_PREFERENCES,
            CallAs: scope.callAs,
          }),
        ),
      );
      operation = await waitForOperation(
        cfn,
        { stackSetName, operationId: OperationId as string, callAs: scope.callAs, action: 'DeleteStackInstances' },
        deps.wait,
      );
      // The member stacks stay while their forwarders are not gone, and a stack set stays while it has instances.
      if (operation.status !== 'SUCCEEDED') {
        removed.push({ stackSetName, outcome: 'failed', operation });
        return removed;
      }
    }
    await calling(stackSetName, () =>
      cfn.send(new DeleteStackSetCommand({ StackSetName: stackSetName, CallAs: scope.callAs })),
    );
    removed.push({ stackSetName, outcome: 'removed', ...(operation ? { operation } : {}) });
  }
  return removed;
}
