import { describe, expect, it } from 'vitest';
import { artifactBucketTemplate } from '../../../deploy/artifact-bucket-template.js';

/**
 * The artifact bucket as the organization rollout needs it: private, encrypted with S3's own keys, readable by the
 * organization's accounts only, over TLS only. Moto's CloudFormation applies none of the bucket's guard settings nor
 * its policy (test/integration/org-rollout.test.ts says so), so they are held here on the template; cfn-lint checks it
 * in the integration test.
 */

const template = artifactBucketTemplate();
const bucket = template.Resources.ArtifactBucket;
const statements = template.Resources.ArtifactBucketPolicy.Properties.PolicyDocument.Statement;

describe('the artifact bucket template', () => {
  it('keeps the bucket, versioned, when the stack goes: member stacks read their code from it', () => {
    // Assess
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('encrypts with S3-managed keys, blocks every public access and turns ACLs off', () => {
    // Assess
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it('grants only s3:GetObject on releases, and only to principals of the organization given', () => {
    // Assess
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'OrganizationReadsReleases',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Sub': `\${ArtifactBucket.Arn}/agentcore-guard/*` },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
      },
    ]);
    expect(template.Parameters.OrganizationId.AllowedPattern).toBe('^o-[a-z0-9]{10,32}$');
  });

  it('denies every request without TLS, on the bucket and its objects', () => {
    // Assess
    expect(statements.filter((s) => s.Effect === 'Deny')).toEqual([
      expect.objectContaining({
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': ['ArtifactBucket', 'Arn'] }, { 'Fn::Sub': `\${ArtifactBucket.Arn}/*` }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });
});
