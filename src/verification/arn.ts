import { agentRuntimeArnPattern } from '../config.js';

export interface AgentRuntimeArnParts {
  partition: string;
  region: string;
  account: string;
  agentRuntimeId: string;
}

export class InvalidAgentRuntimeArnError extends Error {
  override name = 'InvalidAgentRuntimeArnError';
}

/** `arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my_agent-AbCdE12345` → its parts; the region is where to call. */
export function parseAgentRuntimeArn(arn: string): AgentRuntimeArnParts {
  if (!agentRuntimeArnPattern.test(arn)) {
    throw new InvalidAgentRuntimeArnError(
      `"${arn}" is not an agent runtime ARN (arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>). Copy it from \`agentcore status\` or the AgentCore console.`,
    );
  }
  const [, partition, , region, account, resource] = arn.split(':') as [string, string, string, string, string, string];
  return { partition, region, account, agentRuntimeId: resource.slice('runtime/'.length) };
}
