import type { RoleArnParts } from '../aws/arn.js';

/** Where a role lives: all a policy document needs from it. */
export type RoleAccount = Pick<RoleArnParts, 'partition' | 'account'>;

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

/** Only the Code Interpreter actions, on AWS-managed interpreters and the account's own. */
export function leastPrivilegePolicy({ partition, account }: RoleAccount): PolicyDocument {
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

export function buildPolicyDocument(profile: PolicyProfileName, role: RoleAccount): PolicyDocument {
  return profile === 'seed' ? seedPolicy() : leastPrivilegePolicy(role);
}
