import { parse, validate } from '@aws-sdk/util-arn-parser';
import { AGENT_RUNTIME_ARN_PATTERN } from '../settings.js';

/** An IAM role ARN's parts. `path` is `/` for a role at the root, `/a/b/` for one at a path. */
export interface RoleArnParts {
  partition: string;
  account: string;
  path: string;
  roleName: string;
}

export class InvalidRoleArnError extends Error {
  override name = 'InvalidRoleArnError';
}

const ACCOUNT = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PATH_SEGMENT = /^[\x21-\x7e]+$/;

/** `arn:aws:iam::123456789012:role/some/path/Name` → its parts; anything else is an `InvalidRoleArnError`. */
export function parseRoleArn(arn: string): RoleArnParts {
  const invalid = () =>
    new InvalidRoleArnError(`"${arn}" is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>).`);
  if (!validate(arn)) throw invalid();
  const { partition, service, region, accountId, resource } = parse(arn);
  if (!/^aws[a-z-]*$/.test(partition) || service !== 'iam' || region !== '' || !ACCOUNT.test(accountId)) {
    throw invalid();
  }
  const [type, ...segments] = resource.split('/');
  const roleName = segments.pop();
  if (type !== 'role' || !roleName || !ROLE_NAME.test(roleName) || !segments.every((s) => PATH_SEGMENT.test(s))) {
    throw invalid();
  }
  return { partition, account: accountId, path: `/${segments.map((s) => `${s}/`).join('')}`, roleName };
}

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
  if (!AGENT_RUNTIME_ARN_PATTERN.test(arn)) {
    throw new InvalidAgentRuntimeArnError(
      `"${arn}" is not an agent runtime ARN (arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>). Copy it from \`agentcore status\` or the AgentCore console.`,
    );
  }
  const { partition, region, accountId, resource } = parse(arn);
  return { partition, region, account: accountId, agentRuntimeId: resource.slice('runtime/'.length) };
}

/** The last segment of an ARN's resource: a role's or a policy's name, a runtime's id. */
export function resourceName(arn: string): string {
  const { resource } = parse(arn);
  return resource.slice(resource.lastIndexOf('/') + 1);
}
