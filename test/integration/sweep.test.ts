import {
  GetRolePolicyCommand,
  type IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReconcileHandler, reconcileDeps } from '../../handlers/reconcile/index.js';
import { parseRoleArn } from '../../src/aws/arn.js';
import { createIamClient } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/config.js';
import { logger } from '../../src/observability.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { leastPrivilegePolicy } from '../../src/policy/profiles.js';
import { sweepRoles } from '../../src/remediation/sweep.js';
import { listManagedRoles } from '../../src/roles/listing.js';
import { createRoles } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { captureOutput } from '../support/output.js';
import { useMoto } from '../support/use-moto.js';

const P = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-';
const arn = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const ours = (name: string) => JSON.stringify(leastPrivilegePolicy(parseRoleArn(arn(name))));
/** More than one page of the listing below, which asks for small pages to keep the account small. */
const OTHER_ROLES = 120;
const PAGE_SIZE = 50;

useMoto();
let iam: IAMClient;

const put = (roleName: string, policyName: string, document: string) =>
  iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));

async function policyOf(roleName: string, policyName = 'CodeInterpreterAccess') {
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  if (!names.includes(policyName)) return undefined;
  const { PolicyDocument: raw = '' } = await iam.send(
    new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
  );
  return decodePolicyDocument(raw);
}

/** An account with more roles than one ListRoles page, and one matching role of each kind. */
async function seedAccount() {
  await createRoles(iam, [
    ...Array.from({ length: OTHER_ROLES }, (_, i) => `service-role-${i}`),
    `${P}compliant1`,
    `${P}compliant2`,
    `${P}absent1`,
    `${P}absent2`,
    `${P}different`,
    { name: `${P}excluded`, tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }] },
    `${P}oversize`,
  ]);
  await put(`${P}compliant1`, 'CodeInterpreterAccess', ours(`${P}compliant1`));
  await put(`${P}compliant2`, 'CodeInterpreterAccess', ours(`${P}compliant2`));
  await put(
    `${P}different`,
    'CodeInterpreterAccess',
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }),
  );
  // Fails mid-sweep: its other inline policy leaves no room for ours under the 10,240-character quota.
  const bigActions = Array.from({ length: 420 }, (_, i) => `s3:GetObjectVersion${i}`);
  await put(
    `${P}oversize`,
    'Toolkit',
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: bigActions, Resource: '*' }] }),
  );
}

describe('reconcile sweep against moto', () => {
  captureOutput();
  beforeAll(() => {
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 3 });
  });
  beforeEach(async () => {
    await seedAccount();
  });

  it('lists more roles than one ListRoles page holds and keeps the prefixed ones', async () => {
    // Act
    const listing = await listManagedRoles(iam, [P], PAGE_SIZE);

    // Assess
    expect(listing.pages).toBeGreaterThan(1);
    expect(listing.scanned).toBe(OTHER_ROLES + 7);
    expect(listing.roles.map((r) => r.roleName).sort()).toEqual(
      ['absent1', 'absent2', 'compliant1', 'compliant2', 'different', 'excluded', 'oversize'].map((n) => P + n),
    );
  });

  it('fixes absent and different policies, leaves the rest, and counts the role with no room without failing the run', async () => {
    // Prepare
    const handler = createReconcileHandler(reconcileDeps(loadConfig()));
    const loggedErrors = vi.spyOn(logger, 'error');

    // Act
    const summary = await handler({}, lambdaContext({ remainingMs: 900_000 }));

    // Assess: no room is permanent (retrying cannot make room), so it is reported, not retried.
    expect(summary).toMatchObject({ failed: 1, failedPermanently: 1 });
    for (const name of ['absent1', 'absent2', 'different', 'compliant1']) {
      expect(await policyOf(P + name)).toEqual(JSON.parse(ours(P + name)));
    }
    expect(await policyOf(`${P}excluded`)).toBeUndefined();
    expect(await policyOf(`${P}oversize`)).toBeUndefined();
    expect(await policyOf(`${P}oversize`, 'Toolkit')).toBeDefined();
    expect(loggedErrors).toHaveBeenCalledWith('role failed', expect.objectContaining({ role: `${P}oversize` }));
  });

  it('reports each outcome, and a second sweep writes nothing', async () => {
    // Prepare
    const settings = loadConfig({ ROLE_PREFIXES: P });

    // Act
    const first = await sweepRoles({ iam, settings, concurrency: 4 });
    const second = await sweepRoles({ iam, settings, concurrency: 4 });

    // Assess
    expect(first).toMatchObject({ matched: 7, failed: 1 });
    expect(first.counts).toMatchObject({ compliant: 2, remediated: 3, excluded: 1 });
    expect(first.failures[0]).toMatchObject({ roleName: `${P}oversize`, errorName: 'InlinePolicySizeLimitError' });
    expect(second.counts).toMatchObject({ compliant: 5, remediated: 0, excluded: 1 });
  });
});
