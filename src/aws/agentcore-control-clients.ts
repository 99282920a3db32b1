import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { onePerRegion } from './per-region.js';

// AgentCore's control plane is regional, so one client per region; `AWS_ENDPOINT_URL` is honoured by the SDK.

export function agentCoreControlClientsByRegion(): (region: string) => BedrockAgentCoreControlClient {
  return onePerRegion((region) => new BedrockAgentCoreControlClient({ region, maxAttempts: 5, retryMode: 'adaptive' }));
}
