import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config.js';
import { HOME_REGION } from '../settings.js';
import { IAM_REQUEST_TIMEOUT_MS, IamRetryStrategy } from './iam-retry.js';
import type { TimeBudget } from './time-budget.js';

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

export function createCloudTrailClient(region: string = HOME_REGION): CloudTrailClient {
  return new CloudTrailClient({ region });
}

export function createEventBridgeClient(region: string = HOME_REGION): EventBridgeClient {
  return new EventBridgeClient({ region });
}

export function createStsClient(region: string = HOME_REGION): STSClient {
  return new STSClient({ region });
}

// --- Health check (issue 4): AgentCore data and control planes are regional, so one client per region. Endpoints
// come from the SDK's own resolution, so `AWS_ENDPOINT_URL` and the service-specific
// `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` (tests, proxies) are honoured.

/**
 * A client per region, built on first use and kept as long as the returned function is: a handler's dependencies
 * live as long as its Lambda environment, a CLI command's for that command.
 */
function onePerRegion<C>(create: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = create(region);
      clients.set(region, client);
    }
    return client;
  };
}

export function agentCoreClientsByRegion(): (region: string) => BedrockAgentCoreClient {
  return onePerRegion((region) => new BedrockAgentCoreClient({ region, maxAttempts: 2 }));
}

export function agentCoreControlClientsByRegion(): (region: string) => BedrockAgentCoreControlClient {
  return onePerRegion((region) => new BedrockAgentCoreControlClient({ region, maxAttempts: 5, retryMode: 'adaptive' }));
}

export function createSsmClient(config: Pick<Config, 'region'>): SSMClient {
  return new SSMClient({ region: config.region });
}
