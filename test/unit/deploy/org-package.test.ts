import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forwarderTemplate } from '../../../deploy/forwarder-template.js';
import { assembleRelease, OrgUsageError, orgSettings, parseParams, readManifest } from '../../../deploy/org-package.js';

/**
 * The release `npm run org -- package` assembles from what `serverless package` wrote, here from a small folder of the
 * same shape; the real packaged stack goes through it in test/integration/org-rollout.test.ts.
 */

const sha256 = (content: string) => createHash('sha256').update(content).digest('hex');
const ORG = 'o-exampleorg1';

/** A folder as osls writes it: the template (deployment bucket, one function), its state file, the zip. */
function packagedFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'org-package-'));
  const packaged = join(dir, 'serverless');
  mkdirSync(packaged);
  writeFileSync(
    join(packaged, 'cloudformation-template-update-stack.json'),
    JSON.stringify({
      Resources: {
        ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket' },
        RemediateLambdaFunction: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { S3Bucket: { Ref: 'ServerlessDeploymentBucket' }, S3Key: 'serverless/x/dev/1/remediate.zip' },
          },
        },
      },
      Outputs: { Version: { Value: '0.3.0' } },
    }),
  );
  writeFileSync(
    join(packaged, 'serverless-state.json'),
    JSON.stringify({ service: { service: 'agentcore-guard', provider: { stage: 'prod' } } }),
  );
  writeFileSync(join(packaged, 'remediate.zip'), 'remediate code');
  return dir;
}

describe('parseParams', () => {
  it('reads name=value pairs, keeping an "=" inside the value', () => {
    // Act / Assess
    expect(parseParams(['organizationId=o-exampleorg1', 'healthPrompt=a=b'])).toEqual({
      organizationId: 'o-exampleorg1',
      healthPrompt: 'a=b',
    });
  });

  it.each([
    [['organizationId'], '--param "organizationId" is not valid: expected name=value'],
    [['a=1', 'a=2'], '--param a is given twice'],
  ])('refuses %j', (pairs, message) => {
    // Act / Assess
    expect(() => parseParams(pairs)).toThrow(message);
  });
});

describe('orgSettings', () => {
  it('reads the rollout settings by the member stack rules', () => {
    // Act
    const settings = orgSettings({
      organizationId: ORG,
      agentRegions: 'us-east-1, eu-west-1',
      alertEmail: 'a@example.com',
    });

    // Assess
    expect(settings).toEqual({
      organizationId: ORG,
      agentRegions: ['us-east-1', 'eu-west-1'],
      alertEmail: 'a@example.com',
      centralAlertTopicArn: undefined,
      auditAdministratorAccount: undefined,
    });
  });

  it('requires the organization id, saying where to find it', () => {
    // Act / Assess
    expect(() => orgSettings({})).toThrow(/organizationId=o-… is required .* aws organizations describe-organization/);
  });

  it('refuses a value the member stack would refuse, naming the rule', () => {
    // Act / Assess
    expect(() => orgSettings({ organizationId: ORG, auditAdministratorAccount: '1234' })).toThrow(
      new OrgUsageError(
        '--param auditAdministratorAccount="1234" is not valid: expected a 12-digit AWS account id, or empty.',
      ),
    );
  });
});

describe('assembleRelease', () => {
  it('files each zip under its SHA-256 and writes both templates and the manifest', async () => {
    // Prepare
    const dir = packagedFolder();

    // Act
    const manifest = await assembleRelease(dir, {
      params: { organizationId: ORG, agentRegions: 'us-east-1,eu-west-1' },
    });

    // Assess
    expect(manifest).toMatchObject({
      version: '0.3.0',
      service: 'agentcore-guard',
      stage: 'prod',
      forwarderRegions: ['eu-west-1'],
      code: [
        {
          file: 'serverless/remediate.zip',
          sha256: sha256('remediate code'),
          key: `agentcore-guard/0.3.0/${sha256('remediate code')}.zip`,
        },
      ],
    });
    const member = readFileSync(join(dir, manifest.memberTemplate.file), 'utf8');
    expect(manifest.memberTemplate.key).toBe(`agentcore-guard/0.3.0/templates/${sha256(member)}.json`);
    expect(JSON.parse(member).Resources.RemediateLambdaFunction.Properties.Code.S3Key).toBe(manifest.code[0]?.key);
    expect(JSON.parse(readFileSync(join(dir, manifest.forwarderTemplate.file), 'utf8'))).toEqual(forwarderTemplate());
    expect(await readManifest(dir)).toEqual(manifest);
  });

  it('gives the same keys to the same code packaged twice', async () => {
    // Act
    const first = await assembleRelease(packagedFolder(), { params: { organizationId: ORG } });
    const second = await assembleRelease(packagedFolder(), { params: { organizationId: ORG } });

    // Assess
    expect(second.code).toEqual(first.code);
    expect(second.memberTemplate.key).toBe(first.memberTemplate.key);
  });
});

describe('readManifest', () => {
  it('says to package first when there is no release', async () => {
    // Act / Assess
    await expect(readManifest(mkdtempSync(join(tmpdir(), 'org-empty-')))).rejects.toThrow(
      /manifest\.json is missing\): run npm run org -- package --param organizationId=o-… first/,
    );
  });
});
