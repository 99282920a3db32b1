import { IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlinePolicySizeLimitError } from '../../src/policy/size.js';
import { ensureCodeInterpreterPolicy } from '../../src/remediation/ensure.js';
import { iamError, iamResult, startFakeIam } from '../support/fake-iam.js';
import { remediationSettings, toolkitTrustPolicy } from '../support/iam-fixtures.js';

// moto cannot race a second writer, so this is a focused local fake of IAM's query protocol on 127.0.0.1: the role
// has room when measured, and PutRolePolicy then answers 409 LimitExceeded, as IAM does when another writer won.
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
let fake: Awaited<ReturnType<typeof startFakeIam>>;
let iam: IAMClient;

function respond(action: string): [number, string] {
  switch (action) {
    case 'GetRolePolicy':
      return [404, iamError('NoSuchEntity', 'The role policy with name CodeInterpreterAccess cannot be found.')];
    case 'GetRole':
      return [
        200,
        iamResult(
          'GetRole',
          `<Role><Path>/</Path><RoleName>${roleName}</RoleName><RoleId>AROA</RoleId><Arn>${roleArn}</Arn>` +
            `<CreateDate>2026-11-26T08:00:00Z</CreateDate><AssumeRolePolicyDocument>${encodeURIComponent(toolkitTrustPolicy())}</AssumeRolePolicyDocument>` +
            '<Tags/></Role>',
        ),
      ];
    case 'ListRolePolicies':
      return [200, iamResult('ListRolePolicies', '<PolicyNames/><IsTruncated>false</IsTruncated>')];
    case 'PutRolePolicy':
      return [409, iamError('LimitExceeded', 'Maximum policy size of 10240 bytes exceeded for role.')];
    default:
      return [400, iamError('InvalidAction', action)];
  }
}

beforeAll(async () => {
  fake = await startFakeIam(respond);
  iam = new IAMClient({
    region: 'us-east-1',
    endpoint: fake.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 8,
    retryMode: 'adaptive',
  });
});

afterAll(async () => {
  await fake.stop();
});

describe('a write that IAM refuses for the inline policy quota', () => {
  it('fails at once with the size error instead of being retried as throttling', async () => {
    // Prepare
    const settings = remediationSettings();
    // Act
    const attempt = ensureCodeInterpreterPolicy({ roleName }, { iam, settings });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InlinePolicySizeLimitError);
    await expect(attempt).rejects.toThrow(/IAM refused the write \(LimitExceeded\)/);
    expect(fake.requests.filter((a) => a === 'PutRolePolicy')).toHaveLength(1);
  });
});
