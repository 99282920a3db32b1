import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlinePolicySizeLimitError } from '../../src/policy/size.js';
import { ensureCodeInterpreterPolicy } from '../../src/remediation/ensure.js';

// moto cannot race a second writer, so this is a focused local fake of IAM's query protocol on 127.0.0.1: the role
// has room when measured, and PutRolePolicy then answers 409 LimitExceeded, as IAM does when another writer won.
const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const requests: string[] = [];
let server: Server;
let iam: IAMClient;

const ok = (action: string, result: string) =>
  `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>` +
  `<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;
const error = (code: string, message: string) =>
  `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
  '<RequestId>r</RequestId></ErrorResponse>';

function respond(action: string): [number, string] {
  switch (action) {
    case 'GetRolePolicy':
      return [404, error('NoSuchEntity', 'The role policy with name CodeInterpreterAccess cannot be found.')];
    case 'GetRole':
      return [
        200,
        ok(
          'GetRole',
          `<Role><Path>/</Path><RoleName>${roleName}</RoleName><RoleId>AROA</RoleId><Arn>${roleArn}</Arn>` +
            '<CreateDate>2026-11-26T08:00:00Z</CreateDate></Role>',
        ),
      ];
    case 'ListRolePolicies':
      return [200, ok('ListRolePolicies', '<PolicyNames/><IsTruncated>false</IsTruncated>')];
    case 'PutRolePolicy':
      return [409, error('LimitExceeded', 'Maximum policy size of 10240 bytes exceeded for role.')];
    default:
      return [400, error('InvalidAction', action)];
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      requests.push(action);
      const [status, xml] = respond(action);
      res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  iam = new IAMClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 8,
    retryMode: 'adaptive',
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('a write that IAM refuses for the inline policy quota', () => {
  it('fails at once with the size error instead of being retried as throttling', async () => {
    // Prepare
    const settings = {
      rolePrefixes: ['AmazonBedrockAgentCoreSDKRuntime-'],
      policyProfile: 'least-privilege' as const,
      policyName: 'CodeInterpreterAccess',
      dryRun: false,
      roleNotFoundRetryMs: 0,
    };
    // Act
    const attempt = ensureCodeInterpreterPolicy({ roleName, roleArn }, { iam, settings });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InlinePolicySizeLimitError);
    await expect(attempt).rejects.toThrow(/IAM refused the write \(LimitExceeded\)/);
    expect(requests.filter((a) => a === 'PutRolePolicy')).toHaveLength(1);
  });
});
