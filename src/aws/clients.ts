import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
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

/** IAM's CloudTrail events reach EventBridge in us-east-1 only: the deployment and `doctor` look there. */
export const IAM_EVENTS_REGION = 'us-east-1';

export function createCloudTrailClient(region: string = IAM_EVENTS_REGION): CloudTrailClient {
  return new CloudTrailClient({ region });
}

export function createEventBridgeClient(region: string = IAM_EVENTS_REGION): EventBridgeClient {
  return new EventBridgeClient({ region });
}

export function createSnsClient(region: string = IAM_EVENTS_REGION): SNSClient {
  return new SNSClient({ region });
}

export function createStsClient(region: string = IAM_EVENTS_REGION): STSClient {
  return new STSClient({ region });
}
