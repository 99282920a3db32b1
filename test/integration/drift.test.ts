import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  type IAMClient as IAMClientType,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIamClient } from '../../src/aws/clients.js';
import { decodePolicyDocument } from '../../src/policy/document.js';
import { type MotoServer, startMoto, useEndpoint } from '../support/moto.js';
import { createRoles } from '../support/roles.js';

const roleName = 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-drift0001';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;

/** An EventBridge "AWS API Call via CloudTrail" event as the drift and CreateRole rules deliver it. */
function cloudTrailEvent(eventName: 'CreateRole' | 'PutRolePolicy' | 'DeleteRolePolicy', id: string) {
  return {
    version: '0',
    id,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: '123456789012',
    time: '2026-11-26T08:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/Admin/someone' },
      eventTime: '2026-11-26T08:00:00Z',
      eventSource: 'iam.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      requestParameters: eventName === 'CreateRole' ? { roleName } : { roleName, policyName: 'CodeInterpreterAccess' },
      responseElements: eventName === 'CreateRole' ? { role: { roleName, arn: roleArn } } : null,
      eventID: `${id}-ct`,
      eventType: 'AwsApiCall',
    },
  };
}

let moto: MotoServer;
let iam: IAMClientType;

/** The remediate handler, loaded fresh (it reads settings at import), with IAM writes counted on the way through. */
async function loadRemediate() {
  vi.resetModules();
  const { metrics, logger } = await import('../../src/observability.js');
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  const send = vi.spyOn(IAMClient.prototype, 'send');
  const { handler } = await import('../../handlers/remediate.js');
  const puts = () => send.mock.calls.filter(([command]) => command instanceof PutRolePolicyCommand).length;
  return { handler, puts };
}

describe('drift self-heal against moto', () => {
  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 3 });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await moto?.stop();
  });
  beforeEach(async () => {
    vi.restoreAllMocks();
    await moto.reset();
    await createRoles(iam, [roleName]);
  });

  it('answers the PutRolePolicy event of its own write with compliant and no further write, so it cannot loop', async () => {
    // Prepare
    const { handler, puts } = await loadRemediate();
    const created = await handler(cloudTrailEvent('CreateRole', 'e-create'));
    const writesAfterCreate = puts();

    // Act
    const echoed = await handler(cloudTrailEvent('PutRolePolicy', 'e-own-write'));

    // Assess
    expect(created.status).toBe('remediated');
    expect(writesAfterCreate).toBe(1);
    expect(echoed.status).toBe('compliant');
    expect(puts()).toBe(1);
  });

  it('puts the policy back when someone deletes it', async () => {
    // Prepare
    const { handler } = await loadRemediate();
    await handler(cloudTrailEvent('CreateRole', 'e-create'));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }));

    // Act
    const healed = await handler(cloudTrailEvent('DeleteRolePolicy', 'e-delete'));

    // Assess
    expect(healed).toMatchObject({ status: 'remediated', previous: 'absent' });
    const { PolicyDocument: raw = '' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }),
    );
    expect(decodePolicyDocument(raw).Statement).toMatchObject([{ Sid: 'AgentCoreGuardCodeInterpreter' }]);
  });

  it('restores our document when someone overwrites it, and the echo of that repair writes nothing', async () => {
    // Prepare
    const { handler, puts } = await loadRemediate();
    await handler(cloudTrailEvent('CreateRole', 'e-create'));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'CodeInterpreterAccess',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const before = puts();

    // Act
    const repaired = await handler(cloudTrailEvent('PutRolePolicy', 'e-tamper'));
    const echo = await handler(cloudTrailEvent('PutRolePolicy', 'e-repair-echo'));

    // Assess
    expect(repaired).toMatchObject({ status: 'remediated', previous: 'different' });
    expect(echo.status).toBe('compliant');
    expect(puts() - before).toBe(1); // exactly one repair, none for its echo
  });
});
