import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  DeleteStackSetCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import type { ReleaseManifest } from '../../../deploy/org-package.js';
import {
  checkStaged,
  deployRollout,
  OrgRolloutError,
  removeRollout,
  stageRelease,
  updateRollout,
} from '../../../deploy/org-rollout.js';

/**
 * The rollout's requests to CloudFormation StackSets and S3, against mocked clients: what AWS is asked to do for each
 * command, and how its refusals read. The same functions run against moto in test/integration/org-rollout.test.ts.
 */

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
const cfn = new CloudFormationClient({ region: 'us-east-1' });
const s3 = new S3Client({ region: 'us-east-1' });
const BUCKET = 'org-artifacts-bucket';
const OU = 'ou-ab12-cd34ef56';
const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const noWait = { delayMs: 1, maxWaitMs: 5, sleep: async () => {} };

function manifest(forwarderRegions: string[] = ['eu-west-1', 'ap-southeast-2']): ReleaseManifest {
  const file = (name: string, content: string, template = false) => ({
    file: name,
    sha256: hex(content),
    key: `agentcore-guard/0.2.0/${template ? 'templates/' : ''}${hex(content)}.${template ? 'json' : 'zip'}`,
  });
  return {
    version: '0.2.0',
    service: 'agentcore-guard',
    stage: 'prod',
    params: { organizationId: 'o-exampleorg1' },
    settings: { organizationId: 'o-exampleorg1', agentRegions: ['us-east-1', ...forwarderRegions] },
    forwarderRegions,
    memberTemplate: file('member-stackset.json', 'member template', true),
    forwarderTemplate: file('forwarder-stackset.json', 'forwarder template', true),
    code: [file('serverless/remediate.zip', 'remediate code'), file('serverless/healthcheck.zip', 'healthcheck code')],
  };
}

const serviceError = (name: string, message: string) =>
  new CloudFormationServiceException({ name, message, $fault: 'client', $metadata: {} });

/** Every operation ends SUCCEEDED at once, with one account's result. */
function operationsSucceed(account = '210987654321') {
  cfnMock.on(DescribeStackSetOperationCommand).resolves({ StackSetOperation: { Status: 'SUCCEEDED' } });
  cfnMock.on(ListStackSetOperationResultsCommand).callsFake((input: { StackSetName: string }) => ({
    Summaries: [
      {
        Account: account,
        Region: input.StackSetName.endsWith('forwarders') ? 'eu-west-1' : 'us-east-1',
        Status: 'SUCCEEDED',
      },
    ],
  }));
}

beforeEach(() => {
  cfnMock.reset();
  s3Mock.reset();
});

describe('stageRelease', () => {
  it('uploads each file the bucket lacks with its SHA-256 for S3 to check, and skips the ones it holds', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'org-stage-'));
    const release = manifest();
    for (const [file, content] of [
      ['member-stackset.json', 'member template'],
      ['forwarder-stackset.json', 'forwarder template'],
      ['remediate.zip', 'remediate code'],
      ['healthcheck.zip', 'healthcheck code'],
    ] as const) {
      writeFileSync(join(dir, file), content);
    }
    for (const code of release.code) code.file = code.file.replace('serverless/', '');
    const held = release.code[1]?.key;
    s3Mock.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    s3Mock.on(HeadObjectCommand, { Key: held }).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});

    // Act
    const staged = await stageRelease(s3, BUCKET, release, dir);

    // Assess
    expect(staged.skipped).toEqual([held]);
    expect(staged.uploaded).toEqual([release.code[0]?.key, release.memberTemplate.key, release.forwarderTemplate.key]);
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 3);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: release.code[0]?.key,
      ChecksumSHA256: createHash('sha256').update('remediate code').digest('base64'),
      ContentType: 'application/zip',
    });
  });

  it('lets an S3 error other than not-found through, uploading nothing', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    // Act / Assess
    await expect(stageRelease(s3, BUCKET, manifest(), tmpdir())).rejects.toThrow('Access Denied');
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });
});

describe('checkStaged', () => {
  it('refuses a release whose files are not all in the bucket, saying to stage it', async () => {
    // Prepare
    const release = manifest();
    s3Mock.on(HeadObjectCommand).resolves({});
    s3Mock
      .on(HeadObjectCommand, { Key: release.memberTemplate.key })
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    // Act / Assess
    await expect(checkStaged(s3, BUCKET, release)).rejects.toThrow(
      new OrgRolloutError(
        `Release 0.2.0 is not staged (1 file(s) missing from ${BUCKET}, e.g. ${release.memberTemplate.key}): run npm run org -- stage first.`,
      ),
    );
  });
});

describe('deployRollout', () => {
  it('creates the member stack set service-managed from the staged template, deploying to accounts that join', async () => {
    // Prepare
    const release = manifest();
    cfnMock.on(CreateStackSetCommand).resolves({ StackSetId: 'id' });
    cfnMock.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-1' });
    operationsSucceed();

    // Act
    await deployRollout(
      { cloudFormation: cfn, wait: noWait },
      { manifest: release, bucket: BUCKET, callAs: 'DELEGATED_ADMIN' },
      [OU],
    );

    // Assess
    expect(cfnMock).toHaveReceivedNthCommandWith(CreateStackSetCommand, 1, {
      StackSetName: 'agentcore-guard-prod',
      TemplateURL: `https://${BUCKET}.s3.us-east-1.amazonaws.com/${release.memberTemplate.key}`,
      Parameters: [{ ParameterKey: 'ArtifactBucket', ParameterValue: BUCKET }],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
    });
  });

  it('puts the member stack in the home region and the forwarders in every other agent region of the OUs', async () => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).resolves({ StackSetId: 'id' });
    cfnMock.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-1' });
    operationsSucceed();

    // Act
    await deployRollout(
      { cloudFormation: cfn, wait: noWait },
      { manifest: manifest(), bucket: BUCKET, callAs: 'SELF' },
      [OU, 'ou-ab12-99887766'],
    );

    // Assess
    const preferences = expect.objectContaining({ FailureTolerancePercentage: 10, MaxConcurrentPercentage: 25 });
    expect(cfnMock).toHaveReceivedNthCommandWith(CreateStackInstancesCommand, 1, {
      StackSetName: 'agentcore-guard-prod',
      DeploymentTargets: { OrganizationalUnitIds: [OU, 'ou-ab12-99887766'] },
      Regions: ['us-east-1'],
      OperationPreferences: preferences,
      CallAs: 'SELF',
    });
    expect(cfnMock).toHaveReceivedNthCommandWith(CreateStackInstancesCommand, 2, {
      StackSetName: 'agentcore-guard-prod-forwarders',
      DeploymentTargets: { OrganizationalUnitIds: [OU, 'ou-ab12-99887766'] },
      Regions: ['eu-west-1', 'ap-southeast-2'],
      OperationPreferences: preferences,
    });
    expect(cfnMock).toHaveReceivedNthCommandWith(CreateStackSetCommand, 2, {
      StackSetName: 'agentcore-guard-prod-forwarders',
      Parameters: [
        { ParameterKey: 'Service', ParameterValue: 'agentcore-guard' },
        { ParameterKey: 'Stage', ParameterValue: 'prod' },
        { ParameterKey: 'HomeRegion', ParameterValue: 'us-east-1' },
        { ParameterKey: 'AlertEmail', ParameterValue: '' },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
  });

  it('makes no forwarders stack set when agents run only in the home region', async () => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).resolves({ StackSetId: 'id' });
    cfnMock.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-1' });
    operationsSucceed();

    // Act
    const result = await deployRollout(
      { cloudFormation: cfn, wait: noWait },
      { manifest: manifest([]), bucket: BUCKET, callAs: 'SELF' },
      [OU],
    );

    // Assess
    expect(result.created).toEqual(['member']);
    expect(cfnMock).toHaveReceivedCommandTimes(CreateStackSetCommand, 1);
  });

  it('keeps a stack set that exists and adds the OU to it (adding an OU)', async () => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).rejects(serviceError('NameAlreadyExistsException', 'exists'));
    cfnMock.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-1' });
    operationsSucceed();

    // Act
    const result = await deployRollout(
      { cloudFormation: cfn, wait: noWait },
      { manifest: manifest([]), bucket: BUCKET, callAs: 'SELF' },
      [OU],
    );

    // Assess
    expect(result).toMatchObject({ created: [], existing: ['member'] });
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackInstancesCommand, {
      DeploymentTargets: { OrganizationalUnitIds: [OU] },
    });
  });

  it('waits for the operation, polling until it ends, and reports each account and region', async () => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).resolves({ StackSetId: 'id' });
    cfnMock.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-1' });
    cfnMock
      .on(DescribeStackSetOperationCommand)
      .resolvesOnce({ StackSetOperation: { Status: 'QUEUED' } })
      .resolvesOnce({ StackSetOperation: { Status: 'RUNNING' } })
      .resolves({ StackSetOperation: { Status: 'FAILED' } });
    cfnMock.on(ListStackSetOperationResultsCommand).resolves({
      Summaries: [
        { Account: '222222222222', Region: 'us-east-1', Status: 'FAILED', StatusReason: 'ResourceLogicalId:AuditRole' },
        { Account: '111111111111', Region: 'us-east-1', Status: 'SUCCEEDED' },
      ],
    });
    const pauses: number[] = [];

    // Act
    const { operations } = await deployRollout(
      { cloudFormation: cfn, wait: { delayMs: 7, maxWaitMs: 1_000, sleep: async (ms) => void pauses.push(ms) } },
      { manifest: manifest([]), bucket: BUCKET, callAs: 'SELF' },
      [OU],
    );

    // Assess
    expect(pauses).toEqual([7, 7]);
    expect(operations).toEqual([
      {
        stackSetName: 'agentcore-guard-prod',
        operationId: 'op-1',
        action: 'CreateStackInstances',
        status: 'FAILED',
        results: [
          { account: '111111111111', region: 'us-east-1', status: 'SUCCEEDED' },
          { account: '222222222222', region: 'us-east-1', status: 'FAILED', reason: 'ResourceLogicalId:AuditRole' },
        ],
      },
    ]);
  });

  it('gives up waiting after the bounded time, saying the operation goes on and how to follow it', async () => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).resolves({ StackSetId: 'id' });
    cfnMock.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-9' });
    cfnMock.on(DescribeStackSetOperationCommand).resolves({ StackSetOperation: { Status: 'RUNNING' } });

    // Act / Assess
    await expect(
      deployRollout(
        { cloudFormation: cfn, wait: { delayMs: 10, maxWaitMs: 30, sleep: async () => {} } },
        { manifest: manifest([]), bucket: BUCKET, callAs: 'SELF' },
        [OU],
      ),
    ).rejects.toThrow(/CreateStackInstances on agentcore-guard-prod is still RUNNING .* npm run org -- status/);
    expect(cfnMock).toHaveReceivedCommandTimes(DescribeStackSetOperationCommand, 4);
  });

  it.each([
    [
      'trusted access is not enabled',
      serviceError('ValidationError', 'You must enable organizations access to operate a service managed stack set'),
      'aws cloudformation activate-organizations-access',
    ],
    [
      'this account is not an administrator',
      serviceError(
        'ValidationError',
        'You must be the master or delegated admin account of an organization before operating a SERVICE_MANAGED stack set',
      ),
      'aws organizations register-delegated-administrator --account-id <this account> --service-principal member.org.stacksets.cloudformation.amazonaws.com',
    ],
  ])('says what to do when %s', async (_, refusal, fix) => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).rejects(refusal);

    // Act
    const failure = deployRollout(
      { cloudFormation: cfn, wait: noWait },
      { manifest: manifest(), bucket: BUCKET, callAs: 'SELF' },
      [OU],
    );

    // Assess
    await expect(failure).rejects.toBeInstanceOf(OrgRolloutError);
    await expect(failure).rejects.toThrow(fix);
    expect(cfnMock).not.toHaveReceivedCommand(CreateStackInstancesCommand);
  });

  it('says to wait when another operation is running on the stack set', async () => {
    // Prepare
    cfnMock.on(CreateStackSetCommand).resolves({ StackSetId: 'id' });
    cfnMock.on(CreateStackInstancesCommand).rejects(serviceError('OperationInProgressException', 'busy'));

    // Act / Assess
    await expect(
      deployRollout({ cloudFormation: cfn, wait: noWait }, { manifest: manifest(), bucket: BUCKET, callAs: 'SELF' }, [
        OU,
      ]),
    ).rejects.toThrow(
      new OrgRolloutError(
        'Another operation is running on agentcore-guard-prod: wait for it (npm run org -- status) and run this again.',
      ),
    );
  });
});

describe('updateRollout', () => {
  it('moves both stack sets to the release staged, with the same failure tolerance', async () => {
    // Prepare
    const release = manifest();
    cfnMock.on(UpdateStackSetCommand).resolves({ OperationId: 'op-2' });
    operationsSucceed();

    // Act
    const reports = await updateRollout(
      { cloudFormation: cfn, wait: noWait },
      { manifest: release, bucket: BUCKET, callAs: 'SELF' },
    );

    // Assess
    expect(reports.map((r) => [r.stackSetName, r.status])).toEqual([
      ['agentcore-guard-prod', 'SUCCEEDED'],
      ['agentcore-guard-prod-forwarders', 'SUCCEEDED'],
    ]);
    expect(cfnMock).toHaveReceivedNthCommandWith(UpdateStackSetCommand, 1, {
      StackSetName: 'agentcore-guard-prod',
      TemplateURL: `https://${BUCKET}.s3.us-east-1.amazonaws.com/${release.memberTemplate.key}`,
      Parameters: [{ ParameterKey: 'ArtifactBucket', ParameterValue: BUCKET }],
      OperationPreferences: expect.objectContaining({ FailureTolerancePercentage: 10 }),
    });
  });

  it('says to deploy first when there is no stack set', async () => {
    // Prepare
    cfnMock.on(UpdateStackSetCommand).rejects(serviceError('StackSetNotFoundException', 'StackSet not found'));

    // Act / Assess
    await expect(
      updateRollout({ cloudFormation: cfn, wait: noWait }, { manifest: manifest(), bucket: BUCKET, callAs: 'SELF' }),
    ).rejects.toThrow('npm run org -- deploy --ou <ou-id>');
  });
});

describe('removeRollout', () => {
  const scope = { service: 'agentcore-guard', stage: 'prod', callAs: 'SELF' as const };

  it("deletes the forwarders' instances by their OUs and regions, then their stack set, then the member stacks'", async () => {
    // Prepare
    cfnMock.on(DescribeStackSetCommand).resolves({ StackSet: {} });
    cfnMock.on(ListStackInstancesCommand, { StackSetName: 'agentcore-guard-prod-forwarders' }).resolves({
      Summaries: [
        { Account: '111111111111', Region: 'eu-west-1', OrganizationalUnitId: OU, Status: 'CURRENT' },
        { Account: '111111111111', Region: 'ap-southeast-2', OrganizationalUnitId: OU, Status: 'CURRENT' },
      ],
    });
    cfnMock.on(ListStackInstancesCommand, { StackSetName: 'agentcore-guard-prod' }).resolves({
      Summaries: [{ Account: '111111111111', Region: 'us-east-1', OrganizationalUnitId: OU, Status: 'CURRENT' }],
    });
    cfnMock.on(DeleteStackInstancesCommand).resolves({ OperationId: 'op-3' });
    cfnMock.on(DeleteStackSetCommand).resolves({});
    operationsSucceed();

    // Act
    const steps = await removeRollout({ cloudFormation: cfn, wait: noWait }, scope);

    // Assess
    expect(steps.map((s) => [s.stackSetName, s.outcome])).toEqual([
      ['agentcore-guard-prod-forwarders', 'removed'],
      ['agentcore-guard-prod', 'removed'],
    ]);
    expect(cfnMock).toHaveReceivedNthCommandWith(DeleteStackInstancesCommand, 1, {
      StackSetName: 'agentcore-guard-prod-forwarders',
      DeploymentTargets: { OrganizationalUnitIds: [OU] },
      Regions: ['ap-southeast-2', 'eu-west-1'],
      RetainStacks: false,
    });
    expect(cfnMock).toHaveReceivedNthCommandWith(DeleteStackSetCommand, 1, {
      StackSetName: 'agentcore-guard-prod-forwarders',
    });
    expect(cfnMock).toHaveReceivedNthCommandWith(DeleteStackSetCommand, 2, { StackSetName: 'agentcore-guard-prod' });
  });

  it('keeps the stack set, and the member stacks, when deleting instances does not succeed', async () => {
    // Prepare
    cfnMock.on(DescribeStackSetCommand).resolves({ StackSet: {} });
    cfnMock.on(ListStackInstancesCommand).resolves({
      Summaries: [{ Account: '111111111111', Region: 'eu-west-1', OrganizationalUnitId: OU, Status: 'CURRENT' }],
    });
    cfnMock.on(DeleteStackInstancesCommand).resolves({ OperationId: 'op-4' });
    cfnMock.on(DescribeStackSetOperationCommand).resolves({ StackSetOperation: { Status: 'FAILED' } });
    cfnMock.on(ListStackSetOperationResultsCommand).resolves({ Summaries: [] });

    // Act
    const steps = await removeRollout({ cloudFormation: cfn, wait: noWait }, scope);

    // Assess
    expect(steps.map((s) => [s.stackSetName, s.outcome])).toEqual([['agentcore-guard-prod-forwarders', 'failed']]);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackSetCommand);
    expect(cfnMock).toHaveReceivedCommandTimes(DeleteStackInstancesCommand, 1);
  });

  it('calls stack sets that do not exist absent', async () => {
    // Prepare
    cfnMock.on(DescribeStackSetCommand).rejects(serviceError('StackSetNotFoundException', 'not found'));

    // Act
    const steps = await removeRollout({ cloudFormation: cfn, wait: noWait }, scope);

    // Assess
    expect(steps.map((s) => s.outcome)).toEqual(['absent', 'absent']);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackSetCommand);
  });
});
