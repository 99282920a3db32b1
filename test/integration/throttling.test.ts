import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRoleArn } from '../../src/aws/arn.js';
import { createIamClient } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/config.js';
import { leastPrivilegePolicy } from '../../src/policy/profiles.js';
import { sweepRoles } from '../../src/remediation/sweep.js';
import { iamError, iamResult, startFakeIam } from '../support/fake-iam.js';
import { toolkitTrustPolicy } from '../support/iam-fixtures.js';

// moto cannot be made to throttle, so this is a focused local fake of the two IAM query-protocol calls a sweep of
// one compliant role makes, on 127.0.0.1: ListRoles, and GetRolePolicy answering `Throttling` a set number of times.
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-throttled';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
let fake: Awaited<ReturnType<typeof startFakeIam>>;
let throttleFirst = 0;
let getRolePolicyRequests = 0;

function respond(action: string): [number, string] {
  if (action === 'ListRoles') {
    return [
      200,
      iamResult(
        'ListRoles',
        `<IsTruncated>false</IsTruncated><Roles><member><Path>/</Path><RoleName>${roleName}</RoleName>` +
          `<RoleId>AROAEXAMPLE</RoleId><Arn>${roleArn}</Arn><CreateDate>2026-11-26T08:00:00Z</CreateDate>` +
          `<AssumeRolePolicyDocument>${encodeURIComponent(toolkitTrustPolicy())}</AssumeRolePolicyDocument></member></Roles>`,
      ),
    ];
  }
  if (action === 'GetRolePolicy') {
    getRolePolicyRequests += 1;
    if (getRolePolicyRequests <= throttleFirst) return [400, iamError('Throttling', 'Rate exceeded')];
    const document = encodeURIComponent(JSON.stringify(leastPrivilegePolicy(parseRoleArn(roleArn))));
    return [
      200,
      iamResult(
        'GetRolePolicy',
        `<RoleName>${roleName}</RoleName><PolicyName>CodeInterpreterAccess</PolicyName><PolicyDocument>${document}</PolicyDocument>`,
      ),
    ];
  }
  return [400, iamError('InvalidAction', action)];
}

describe('sweep under IAM throttling (local fake IAM endpoint)', () => {
  beforeAll(async () => {
    fake = await startFakeIam(respond);
    vi.stubEnv('AWS_ENDPOINT_URL', fake.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await fake.stop();
  });
  beforeEach(() => {
    getRolePolicyRequests = 0;
  });

  it('retries throttled calls with backoff and counts the role as compliant, not failed', async () => {
    // Prepare
    throttleFirst = 2;
    const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 8 });

    // Act
    const summary = await sweepRoles({ iam, settings: loadConfig({}) });

    // Assess
    expect(summary).toMatchObject({ failed: 0, counts: { compliant: 1 } });
    expect(getRolePolicyRequests).toBe(3);
  });

  it('reports the role as failed once the attempts are spent, and still finishes the sweep', async () => {
    // Prepare
    throttleFirst = 100;
    const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 2 });

    // Act
    const summary = await sweepRoles({ iam, settings: loadConfig({}) });

    // Assess
    expect(summary.failures).toEqual([
      { roleName, roleArn, roleId: 'AROAEXAMPLE', errorName: 'Throttling', error: 'Rate exceeded', permanent: false },
    ]);
    expect(getRolePolicyRequests).toBe(2);
  });
});
