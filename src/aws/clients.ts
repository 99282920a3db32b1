import { IAMClient } from '@aws-sdk/client-iam';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config.js';
import { IAM_REQUEST_TIMEOUT_MS, IamRetryStrategy } from './iam-retry.js';
import type { TimeBudget } from './time-budget.js';

// Every other service's clients are built in a module of their own (sts-client.ts, agentcore-clients.ts, …): a
// bundle evaluates a module's imports whole, so one module for all would load every SDK for whoever needs one.

/**
 * In Lambda the role's credentials are always in the environment: resolve them there directly instead of walking the
 * default chain (env, SSO, ini, process, web identity, container/IMDS). Elsewhere keep the standard chain.
 */
export function credentialsFor(config: Partial<Pick<Config, 'credentialSource'>>): {
  credentials?: ReturnType<typeof fromEnv>;
} {
  return config.credentialSource === 'environment' ? { credentials: fromEnv() } : {};
}

/**
 * The one place IAM clients are built. IAM is global: the SDK resolves its endpoint from any region
 * of the partition; `AWS_ENDPOINT_URL` (moto, a proxy) is honoured by the SDK itself.
 * Retries: adaptive rate limiting, and throttling never runs out of retries before its attempts do (iam-retry.ts);
 * no retry is started that the invocation's `budget` could not see through, and no request waits forever.
 */
export function createIamClient(
  config: Pick<Config, 'region' | 'iamMaxAttempts'> & Partial<Pick<Config, 'credentialSource'>>,
  options: { budget?: TimeBudget; credentials?: AwsCredentialIdentity } = {},
): IAMClient {
  return new IAMClient({
    // Another account's role (the fleet report), or the caller's own.
    ...(options.credentials ? { credentials: options.credentials } : credentialsFor(config)),
    region: config.region,
    maxAttempts: config.iamMaxAttempts,
    retryStrategy: new IamRetryStrategy(config.iamMaxAttempts, { budget: options.budget }),
    requestHandler: { requestTimeout: IAM_REQUEST_TIMEOUT_MS, connectionTimeout: 3_000 },
  });
}
