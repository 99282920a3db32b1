import type { RoleArnParts } from '../aws/arn.js';
import type { PolicyProfileName } from '../settings.js';
import type { PolicyDocument } from './document.js';

/** Where a role lives: all a policy document needs from it. */
export type RoleAccount = Pick<RoleArnParts, 'partition' | 'account'>;

/** Every Code Interpreter action in the IAM catalog (service prefix `bedrock-agentcore`). */
export const CODE_INTERPRETER_ACTIONS = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreter',
  'bedrock-agentcore:ListCodeInterpreterSessions',
] as const;

/**
 * The ones that apply to AWS-managed interpreters. In the IAM catalog `GetCodeInterpreter` applies only to an
 * account's own (custom) interpreters, so it is granted only with them.
 */
export const MANAGED_INTERPRETER_ACTIONS = CODE_INTERPRETER_ACTIONS.filter(
  (a) => a !== 'bedrock-agentcore:GetCodeInterpreter',
);

export interface PolicyOptions {
  /**
   * Also grant the account's own interpreters (`code-interpreter/*`, `code-interpreter-custom/*`). Off by default:
   * code in a custom interpreter runs with that interpreter's own role, which may hold more than the agent's.
   */
  customInterpreters?: boolean;
}

/** Only the Code Interpreter actions, on AWS-managed interpreters (and the account's own, when asked for). */
export function leastPrivilegePolicy(
  { partition, account }: RoleAccount,
  { customInterpreters = false }: PolicyOptions = {},
): PolicyDocument {
  const base = `arn:${partition}:bedrock-agentcore`;
  const managed = `${base}:*:aws:code-interpreter/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AgentCoreGuardCodeInterpreter',
        Effect: 'Allow',
        Action: customInterpreters ? [...CODE_INTERPRETER_ACTIONS] : [...MANAGED_INTERPRETER_ACTIONS],
        Resource: customInterpreters
          ? [managed, `${base}:*:${account}:code-interpreter/*`, `${base}:*:${account}:code-interpreter-custom/*`]
          : [managed],
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

/** The document a profile writes for `role`. The seed document is verbatim: it has no options. */
export function buildPolicyDocument(
  profile: PolicyProfileName,
  role: RoleAccount,
  options: PolicyOptions = {},
): PolicyDocument {
  return profile === 'seed' ? seedPolicy() : leastPrivilegePolicy(role, options);
}
