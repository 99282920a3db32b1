import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIamClient } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/config.js';
import { leastPrivilegePolicy, parseRoleArn } from '../../src/policy/profiles.js';
import { sweepRoles } from '../../src/remediation/sweep.js';

// moto cannot be made to throttle, so this is a focused local fake of the two IAM query-protocol calls a sweep of
// one compliant role makes, on 127.0.0.1: ListRoles, and GetRolePolicy answering `Throttling` a set number of times.
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-throttled';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

let server: Server;
let endpoint: string;
let throttleFirst = 0;
let getRolePolicyRequests = 0;

function respond(action: string): { status: number; body: string } {
  if (action === 'ListRoles') {
    return {
      status: 200,
      body:
        `<ListRolesResponse xmlns="${NS}"><ListRolesResult><IsTruncated>false</IsTruncated><Roles><member>` +
        `<Path>/</Path><RoleName>${roleName}</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>${roleArn}</Arn>` +
        '<CreateDate>2026-11-26T08:00:00Z</CreateDate></member></Roles></ListRolesResult>' +
        '<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListRolesResponse>',
    };
  }
  if (action === 'GetRolePolicy') {
    getRolePolicyRequests += 1;
    if (getRolePolicyRequests <= throttleFirst) {
      return {
        status: 400,
        body:
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Throttling</Code>` +
          '<Message>Rate exceeded</Message></Error><RequestId>r2</RequestId></ErrorResponse>',
      };
    }
    const document = encodeURIComponent(JSON.stringify(leastPrivilegePolicy(parseRoleArn(roleArn))));
    return {
      status: 200,
      body:
        `<GetRolePolicyResponse xmlns="${NS}"><GetRolePolicyResult><RoleName>${roleName}</RoleName>` +
        `<PolicyName>CodeInterpreterAccess</PolicyName><PolicyDocument>${document}</PolicyDocument>` +
        '</GetRolePolicyResult><ResponseMetadata><RequestId>r3</RequestId></ResponseMetadata></GetRolePolicyResponse>',
    };
  }
  return {
    status: 400,
    body: `<ErrorResponse><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`,
  };
}

describe('sweep under IAM throttling (local fake IAM endpoint)', () => {
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const { status, body: xml } = respond(new URLSearchParams(body).get('Action') ?? '');
        res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise((resolve) => server.close(resolve));
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
    expect(summary.failures).toEqual([{ roleName, errorName: 'Throttling', error: 'Rate exceeded' }]);
    expect(getRolePolicyRequests).toBe(2);
  });
});
