import type { PolicyDocument } from './document.js';

export const POLICY_PROFILES = ['least-privilege', 'seed'] as const;
export type PolicyProfileName = (typeof POLICY_PROFILES)[number];

/** Every Code Interpreter action in the IAM catalog (service prefix `bedrock-agentcore`). */
export const CODE_INTERPRETER_ACTIONS = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreter',
  'bedrock-agentcore:ListCodeInterpreterSessions',
] as const;

export interface RoleArnParts {
  partition: string;
  account: string;
  roleName: string;
}

export class InvalidRoleArnError extends Error {
  override name = 'InvalidRoleArnError';
}

const roleArnPattern = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]{1,64})$/;

export function parseRoleArn(arn: string): RoleArnParts {
  const match = roleArnPattern.exec(arn);
  if (!match) {
    throw new InvalidRoleArnError(`"${arn}" is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>).`);
  }
  const [, partition, account, roleName] = match as unknown as [string, string, string, string];
  return { partition, account, roleName };
}

/** Only the Code Interpreter actions, on AWS-managed interpreters and the account's own. */
export function leastPrivilegePolicy({ partition, account }: RoleArnParts): PolicyDocument {
  const base = `arn:${partition}:bedrock-agentcore`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AgentCoreGuardCodeInterpreter',
        Effect: 'Allow',
        Action: [...CODE_INTERPRETER_ACTIONS],
        Resource: [
          `${base}:*:aws:code-interpreter/*`,
          `${base}:*:${account}:code-interpreter/*`,
          `${base}:*:${account}:code-interpreter-custom/*`,
        ],
      },
    ],
  };
}

/**
 * The seed's Step 1 document, verbatim. `bedrock:InvokeCodeInterpreter` and `bedrock:ExecuteCode` are not IAM
 * actions (the lint reports them); the document works because of its `bedrock-agentcore:*` statement.
 */
export function seedPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'BedrockAgentCoreAccess', Effect: 'Allow', Action: ['bedrock-agentcore:*'], Resource: '*' },
      {
        Sid: 'BedrockInvokeModel',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: '*',
      },
      {
        Sid: 'CodeInterpreterAccess',
        Effect: 'Allow',
        Action: ['bedrock:InvokeCodeInterpreter', 'bedrock:ExecuteCode'],
        Resource: '*',
      },
      {
        Sid: 'CloudWatchLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  };
}

export function buildPolicyDocument(profile: PolicyProfileName, role: RoleArnParts): PolicyDocument {
  return profile === 'seed' ? seedPolicy() : leastPrivilegePolicy(role);
}
