import { IAMClient } from '@aws-sdk/client-iam';
import type { Config } from '../config.js';

/**
 * The one place IAM clients are built. IAM is global: the SDK resolves its endpoint from any region
 * of the partition; `AWS_ENDPOINT_URL` (moto, a proxy) is honoured by the SDK itself.
 * Adaptive retries add client-side rate limiting, which suits IAM's account-wide request quota.
 */
export function createIamClient(config: Pick<Config, 'region' | 'iamMaxAttempts'>): IAMClient {
  return new IAMClient({
    region: config.region,
    maxAttempts: config.iamMaxAttempts,
    retryMode: 'adaptive',
  });
}
