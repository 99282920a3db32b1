/**
 * The organization's artifact bucket: where `npm run org -- stage` puts the functions' zips and the StackSet templates,
 * in the administrator account, in the home region. Lambda reads a function's code only from a bucket in the
 * function's own region, and the member stack (the only one with code) runs only in the home region; the forwarders
 * have no code, so one bucket serves every region.
 *
 * Who may read: principals of the organization (`aws:PrincipalOrgID`), and only `s3:GetObject` under the release
 * prefix. When a stack instance creates a function, Lambda fetches the zip as the principal that called it (the
 * member account's StackSets execution role), so that is the principal the condition sees. Nobody outside the
 * organization, and no request without TLS.
 */
import { ORGANIZATION_ID_PATTERN } from '../src/settings.js';
import { ARTIFACT_KEY_PREFIX } from './stackset-template.js';

/** The stack's name in the administrator account (home region), for a service and stage. */
export const artifactBucketStackName = (service: string, stage: string): string => `${service}-${stage}-org-artifacts`;

/** The stack outputs the rollout reads. */
export const ARTIFACT_BUCKET_OUTPUTS = { name: 'BucketName', arn: 'BucketArn' } as const;

const BUCKET = { Ref: 'ArtifactBucket' };
const bucketArn = { 'Fn::GetAtt': ['ArtifactBucket', 'Arn'] };
const objects = (path: string) => ({ 'Fn::Sub': `\${ArtifactBucket.Arn}/${path}` });

export function artifactBucketTemplate() {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'agentcore-guard organization artifacts: the functions code and StackSet templates member accounts deploy from (administrator account, us-east-1).',
    Parameters: {
      OrganizationId: {
        Type: 'String',
        AllowedPattern: ORGANIZATION_ID_PATTERN.source,
        Description: 'The organization whose accounts may read the artifacts (o-...).',
      },
    },
    Resources: {
      // Kept when the stack is removed: every member stack's functions were created from it, and a member stack
      // update or rollback reads the code again. Empty and delete it by hand after the stack sets are gone.
      ArtifactBucket: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          // Keys are content-addressed and never overwritten; versioning keeps an object deleted by mistake.
          VersioningConfiguration: { Status: 'Enabled' },
          // SSE-S3, not KMS: every member account reads these objects, and a KMS key would need a grant (or a key
          // policy statement) for every member's execution role, while the zips hold no secret, only code.
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          // No ACLs: the bucket policy alone says who reads.
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: {
            Rules: [
              {
                Id: 'AbortIncompleteUploads',
                Status: 'Enabled',
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              },
            ],
          },
        },
      },
      ArtifactBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: BUCKET,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'OrganizationReadsReleases',
                Effect: 'Allow',
                Principal: { AWS: '*' },
                Action: 's3:GetObject',
                Resource: objects(`${ARTIFACT_KEY_PREFIX}/*`),
                Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
              },
              {
                Sid: 'NoRequestsWithoutTls',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [bucketArn, objects('*')],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },
    },
    Outputs: {
      [ARTIFACT_BUCKET_OUTPUTS.name]: {
        Description: 'The artifact bucket (the ArtifactBucket stack-set parameter)',
        Value: BUCKET,
      },
      [ARTIFACT_BUCKET_OUTPUTS.arn]: { Description: 'The artifact bucket ARN', Value: bucketArn },
    },
  };
}
