import { IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemediateHandler, remediateDeps } from '../../handlers/remediate/index.js';
import { loadConfig } from '../../src/config.js';
import { createRoleEvent } from '../support/events.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createToolkitRole, TOOLKIT_PREFIX } from '../support/iam-fixtures.js';
import { lambdaContext } from '../support/lambda.js';
import { leaseMoto, type MotoServer, useEndpoint } from '../support/moto.js';
import { captureOutput } from '../support/output.js';
import { declaredFunction } from '../support/stack.js';

/**
 * The remediate function as shipped (the default IAM attempts, adaptive retries) with the timeout serverless.yml
 * gives it, while IAM throttles every call: the case where, before the invocation clock, one read retried for longer
 * than the function may run and Lambda killed it without a word. It must stop retrying in time to say so.
 */
const output = captureOutput();
const roleName = `${TOOLKIT_PREFIX}us-east-1-throttled01`;
let moto: MotoServer;
let proxy: FaultProxy;

beforeAll(async () => {
  moto = await leaseMoto();
  useEndpoint(moto.endpoint);
  await createToolkitRole(new IAMClient({ region: 'us-east-1' }), roleName);
  // IAM throttles every call and asks for 20 s between attempts: the eight shipped attempts would take longer than
  // the function may run, whatever the retry jitter draws.
  proxy = await startFaultProxy({ target: moto.endpoint, seed: 60, rates: { throttle: 1 }, retryAfterSeconds: 20 });
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await proxy?.stop();
  await moto?.release();
});

describe('remediate under throttling that outlasts the function', () => {
  it('gives up before its timeout with a logged, counted error, so Lambda retries the event', async () => {
    // Prepare: the shipped settings, and a context that counts down from the declared timeout in real time.
    const timeoutMs = declaredFunction('remediate').timeout * 1000;
    const handler = createRemediateHandler(remediateDeps(loadConfig({ AWS_REGION: 'us-east-1' })));
    const context = lambdaContext({ remainingMs: timeoutMs });
    // Act
    const error = await handler(createRoleEvent(roleName), context).catch((e: unknown) => e);
    const left = context.getRemainingTimeInMillis();
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(left).toBeGreaterThan(0);
    expect(proxy.stats().injected.throttle).toBeGreaterThan(1);
    expect(output.lines('ERROR')).toContainEqual(
      expect.objectContaining({ message: 'remediation failed', errorName: 'Throttling', outOfTime: true }),
    );
    expect(output.text).toContain('"OutOfTime"');
  }, 120_000);
});
