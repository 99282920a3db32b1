import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { onePerRegion } from './per-region.js';

// AgentCore's data plane is regional, so one client per region. Endpoints come from the SDK's own resolution, so
// `AWS_ENDPOINT_URL` and the service-specific `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` (tests, proxies) are honoured.

export function agentCoreClientsByRegion(): (region: string) => BedrockAgentCoreClient {
  return onePerRegion((region) => new BedrockAgentCoreClient({ region, maxAttempts: 2 }));
}
