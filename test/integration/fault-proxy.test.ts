import { CreateRoleCommand, GetRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENTCORE_TRUST_POLICY } from '../support/events.js';
import { type FaultProxy, seededRandom, startFaultProxy } from '../support/fault-proxy.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';

// The proxy's own contract: each fault kind reaches the SDK as the error class the retry strategy expects.
let moto: MotoServer;
let proxy: FaultProxy;

const client = (endpoint: string, maxAttempts = 1) =>
  new IAMClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  proxy = await startFaultProxy({ target: moto.endpoint, seed: 1 });
});

afterEach(async () => {
  proxy.setRates({});
  proxy.resetStats();
  await moto.reset();
});

afterAll(async () => {
  await proxy?.stop();
  await moto?.release();
});

const createRole = (iam: IAMClient, name: string) =>
  iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(AGENTCORE_TRUST_POLICY) }));

describe('fault proxy', () => {
  it('forwards requests unchanged when no fault is configured', async () => {
    // Prepare
    const iam = client(proxy.endpoint);
    // Act
    await createRole(iam, 'Plain');
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'Plain' }));
    // Assess
    expect(Role?.RoleName).toBe('Plain');
    expect(proxy.stats().forwarded).toEqual({ CreateRole: 1, GetRole: 1 });
  });

  it('injects throttling that the SDK classifies as the IAM Throttling error', async () => {
    // Prepare
    proxy.setRates({ throttle: 1 });
    // Act
    const error = await client(proxy.endpoint)
      .send(new ListRolesCommand({}))
      .catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(proxy.stats().injected.throttle).toBe(1);
    expect(proxy.stats().forwarded).toEqual({});
  });

  it('injects server errors as HTTP 500 or 503', async () => {
    // Prepare
    proxy.setRates({ serverError: 1 });
    const iam = client(proxy.endpoint);
    // Act: each status is an even draw, so 32 requests miss one of them with odds of 2^-31, whatever tests ran first
    const errors = await Promise.all(
      Array.from({ length: 32 }, () => iam.send(new ListRolesCommand({})).catch((e: unknown) => e)),
    );
    // Assess
    const statuses = errors.map((e) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode);
    expect(new Set(statuses)).toEqual(new Set([500, 503]));
  });

  it('resets the connection before forwarding, so nothing is applied', async () => {
    // Prepare
    proxy.setRates({ reset: 1 });
    // Act
    const error = await createRole(client(proxy.endpoint), 'NeverCreated').catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    const { Roles } = await client(moto.endpoint).send(new ListRolesCommand({}));
    expect(Roles).toEqual([]);
  });

  it('applies a request and then loses its answer', async () => {
    // Prepare
    proxy.setRates({ appliedThenReset: 1 });
    // Act
    const error = await createRole(client(proxy.endpoint), 'AppliedButLost').catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    const { Role } = await client(moto.endpoint).send(new GetRoleCommand({ RoleName: 'AppliedButLost' }));
    expect(Role?.RoleName).toBe('AppliedButLost');
  });

  it('lets SDK retries recover from faults that are not permanent', async () => {
    // Prepare
    proxy.setRates({ serverError: 0.2, reset: 0.2 });
    const iam = client(proxy.endpoint, 10);
    // Act
    const results = await Promise.all(Array.from({ length: 20 }, () => iam.send(new ListRolesCommand({}))));
    // Assess
    expect(results).toHaveLength(20);
    const { injected } = proxy.stats();
    expect(injected.serverError + injected.reset).toBeGreaterThan(0);
  });

  it('injects faults only into the actions it is told to', async () => {
    // Prepare
    proxy.setRates({ throttle: 1 }, ['GetRole']);
    const iam = client(proxy.endpoint);
    // Act
    const listed = await iam.send(new ListRolesCommand({}));
    const error = await iam.send(new GetRoleCommand({ RoleName: 'Any' })).catch((e: unknown) => e);
    // Assess
    expect(listed.Roles).toEqual([]);
    expect(error).toMatchObject({ name: 'Throttling' });
    expect(proxy.stats().injectedByAction).toEqual({ 'GetRole:throttle': 1 });
  });

  it('draws the same fault sequence from the same seed', () => {
    // Prepare
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    // Act
    const seqA = Array.from({ length: 5 }, a);
    const seqB = Array.from({ length: 5 }, b);
    const seqC = Array.from({ length: 5 }, c);
    // Assess
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });
});
