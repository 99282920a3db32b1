import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  referencesTo,
  StackSetTemplateError,
  stackSetTemplate,
  type Template,
} from '../../../deploy/stackset-template.js';

/**
 * The transform from the template `serverless package` writes to the StackSet template, on a packaged template of the
 * shape osls writes (its deployment bucket, policy and output; functions whose code is in that bucket). The real
 * packaged stack goes through the same transform in test/integration/org-rollout.test.ts, with cfn-lint.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ARTIFACT_DIR = 'serverless/agentcore-guard/dev/1795993729131-2026-11-29T23:08:49.131Z';
const DIGESTS = { 'remediate.zip': sha256('remediate code'), 'healthcheck.zip': sha256('healthcheck code') };
const fromDeploymentBucket = (zip: string) => ({
  S3Bucket: { Ref: 'ServerlessDeploymentBucket' },
  S3Key: `${ARTIFACT_DIR}/${zip}`,
});
const bucketArn = (suffix: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'ServerlessDeploymentBucket' }, suffix]],
});

function packagedTemplate(): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'The AWS CloudFormation template for this Serverless application',
    Resources: {
      ServerlessDeploymentBucket: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        },
      },
      ServerlessDeploymentBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'ServerlessDeploymentBucket' },
          PolicyDocument: {
            Statement: [
              {
                Action: 's3:*',
                Effect: 'Deny',
                Principal: '*',
                Resource: [bucketArn('/*'), bucketArn('')],
                Condition: { Bool: { 'aws:SecureTransport': false } },
              },
            ],
          },
        },
      },
      RemediateLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: fromDeploymentBucket('remediate.zip'),
          Handler: 'handlers/remediate/index.handler',
          Runtime: 'nodejs22.x',
          Role: { 'Fn::GetAtt': ['RemediateRole', 'Arn'] },
          Environment: {
            Variables: { ALERT_TOPIC_ARN: { 'Fn::If': ['PublishCentrally', { Ref: 'X' }, { Ref: 'Y' }] } },
          },
        },
        DependsOn: ['RemediateLogGroup'],
      },
      HealthcheckLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: { Code: fromDeploymentBucket('healthcheck.zip'), Handler: 'handlers/healthcheck/index.handler' },
      },
      RemediateRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'remediate',
              PolicyDocument: {
                Statement: [
                  {
                    Sid: 'NoIamWritesOnRolesAtAPath',
                    Effect: 'Deny',
                    Action: ['iam:PutRolePolicy'],
                    Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*/*` },
                  },
                ],
              },
            },
          ],
        },
      },
      AlertStateTable: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', Properties: { TableName: 't' } },
    },
    Parameters: { CentralAlertTopicArn: { Type: 'String', Default: '' } },
    Outputs: {
      ServerlessDeploymentBucketName: {
        Value: { Ref: 'ServerlessDeploymentBucket' },
        Export: { Name: 'sls-agentcore-guard-dev-ServerlessDeploymentBucketName' },
      },
      Version: { Value: '0.1.0' },
    },
    Rules: { DeployOnlyToUsEast1: { Assertions: [] } },
  };
}

describe('stackSetTemplate', () => {
  it('takes out the deployment bucket, its policy and the output that names it', () => {
    // Act
    const template = stackSetTemplate(packagedTemplate(), DIGESTS, '0.1.0');

    // Assess
    expect(Object.keys(template.Resources)).not.toContain('ServerlessDeploymentBucket');
    expect(Object.keys(template.Resources)).not.toContain('ServerlessDeploymentBucketPolicy');
    expect(Object.keys(template.Outputs ?? {})).toEqual(['Version']);
    expect(JSON.stringify(template)).not.toContain('ServerlessDeploymentBucket');
  });

  it("points each function's code at the ArtifactBucket parameter and the key named by its zip's SHA-256", () => {
    // Act
    const template = stackSetTemplate(packagedTemplate(), DIGESTS, '0.1.0');

    // Assess
    expect(template.Resources.RemediateLambdaFunction?.Properties?.Code).toEqual({
      S3Bucket: { Ref: 'ArtifactBucket' },
      S3Key: `agentcore-guard/0.1.0/${sha256('remediate code')}.zip`,
    });
    expect(template.Resources.HealthcheckLambdaFunction?.Properties?.Code).toEqual({
      S3Bucket: { Ref: 'ArtifactBucket' },
      S3Key: `agentcore-guard/0.1.0/${sha256('healthcheck code')}.zip`,
    });
    expect(template.Parameters?.ArtifactBucket).toMatchObject({ Type: 'String' });
  });

  it('gives changed code a new key and unchanged code the same one', () => {
    // Prepare
    const before = stackSetTemplate(packagedTemplate(), DIGESTS, '0.1.0');

    // Act
    const after = stackSetTemplate(
      packagedTemplate(),
      { ...DIGESTS, 'remediate.zip': sha256('remediate code, fixed') },
      '0.1.0',
    );

    // Assess
    const key = (t: Template, id: string) =>
      (t.Resources[id]?.Properties?.Code as { S3Key?: string } | undefined)?.S3Key;
    expect(key(after, 'RemediateLambdaFunction')).not.toBe(key(before, 'RemediateLambdaFunction'));
    expect(key(after, 'HealthcheckLambdaFunction')).toBe(key(before, 'HealthcheckLambdaFunction'));
  });

  it('keeps everything else as packaged, and leaves its input alone', () => {
    // Prepare
    const packaged = packagedTemplate();
    const expected = packagedTemplate();
    delete expected.Resources.ServerlessDeploymentBucket;
    delete expected.Resources.ServerlessDeploymentBucketPolicy;
    if (expected.Outputs) delete expected.Outputs.ServerlessDeploymentBucketName;

    // Act
    const template = stackSetTemplate(packaged, DIGESTS, '0.1.0');

    // Assess
    const { ArtifactBucket, ...parameters } = template.Parameters ?? {};
    expect(ArtifactBucket).toBeDefined();
    const withoutCode = (t: Template) => {
      const copy = structuredClone(t);
      for (const r of Object.values(copy.Resources)) delete r.Properties?.Code;
      return copy;
    };
    expect(withoutCode({ ...template, Parameters: parameters })).toEqual(withoutCode(expected));
    expect(packaged).toEqual(packagedTemplate());
  });

  it('refuses a function whose zip has no digest, naming it', () => {
    // Act / Assess
    expect(() => stackSetTemplate(packagedTemplate(), { 'remediate.zip': DIGESTS['remediate.zip'] }, '0.1.0')).toThrow(
      new StackSetTemplateError(
        `HealthcheckLambdaFunction: no SHA-256 for its code (${ARTIFACT_DIR}/healthcheck.zip); package again so that every function has its zip.`,
      ),
    );
  });

  it.each([
    ['Fn::Sub', { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ServerlessDeploymentBucket}/*` }],
    ['Fn::Sub with an attribute', { 'Fn::Sub': [`\${ServerlessDeploymentBucket.Arn}/x`, {}] }],
    ['Fn::GetAtt', { 'Fn::GetAtt': ['ServerlessDeploymentBucket', 'Arn'] }],
    ['dotted Fn::GetAtt', { 'Fn::GetAtt': 'ServerlessDeploymentBucket.Arn' }],
    ['Ref', { Ref: 'ServerlessDeploymentBucket' }],
  ])('refuses a template that still names the deployment bucket elsewhere (%s)', (_, reference) => {
    // Prepare
    const packaged = packagedTemplate();
    packaged.Resources.ReadsTheBucket = { Type: 'AWS::IAM::Policy', Properties: { Resource: reference } };

    // Act / Assess
    expect(() => stackSetTemplate(packaged, DIGESTS, '0.1.0')).toThrow(/still refers to ServerlessDeploymentBucket/);
  });

  it('refuses a resource that depends on the deployment bucket', () => {
    // Prepare
    const packaged = packagedTemplate();
    packaged.Resources.AlertStateTable = { Type: 'AWS::DynamoDB::Table', DependsOn: 'ServerlessDeploymentBucket' };

    // Act / Assess
    expect(() => stackSetTemplate(packaged, DIGESTS, '0.1.0')).toThrow(/at \/Resources\/AlertStateTable\/DependsOn/);
  });
});

describe('referencesTo', () => {
  it('does not take a resource whose name starts the same for the one named', () => {
    // Act
    const found = referencesTo(
      { a: { Ref: 'ServerlessDeploymentBucketPolicy' }, b: { 'Fn::Sub': `\${ServerlessDeploymentBucketName}` } },
      'ServerlessDeploymentBucket',
    );

    // Assess
    expect(found).toEqual([]);
  });
});
