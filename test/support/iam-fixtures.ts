import {
  CreateRoleCommand,
  type IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
  type Role,
  type Tag,
} from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { parseRoleArn } from '../../src/aws/arn.js';
import { leastPrivilegePolicy } from '../../src/policy/profiles.js';
import type { RemediationSettings } from '../../src/remediation/ensure.js';

/** The account every test plays in (moto's default account too). */
export const ACCOUNT = '123456789012';
export const TOOLKIT_PREFIX = 'AmazonBedrockAgentCoreSDKRuntime-';

/** A role's ARN in the test account, at path / unless given one (`/team/`). */
export const roleArn = (name: string, options: { account?: string; path?: string } = {}) =>
  `arn:aws:iam::${options.account ?? ACCOUNT}:role${options.path ?? '/'}${name}`;

/** What IAM answers for a missing role or policy. */
export const noSuchEntity = (message = 'The role cannot be found.') =>
  new NoSuchEntityException({ message, $metadata: { httpStatusCode: 404 } });

/** The remediation settings of a default deployment; tests override what they vary. */
export const remediationSettings = (overrides: Partial<RemediationSettings> = {}): RemediationSettings => ({
  rolePrefixes: [TOOLKIT_PREFIX],
  policyProfile: 'least-privilege',
  policyName: 'CodeInterpreterAccess',
  dryRun: false,
  roleNotFoundRetryMs: 0,
  ...overrides,
});

/** A role as ListRoles and GetRole describe it: at path /, trusting only AgentCore, unless told otherwise. */
export const describedRole = (name: string, overrides: Partial<Role> = {}): Role => ({
  RoleName: name,
  Arn: roleArn(name, { path: overrides.Path }),
  Path: '/',
  RoleId: 'AROAEXAMPLEROLEID000',
  CreateDate: new Date(0),
  AssumeRolePolicyDocument: encodeURIComponent(toolkitTrustPolicy()),
  ...overrides,
});

/** The trust policy the starter toolkit writes for its runtime role. */
export const toolkitTrustPolicy = (account = ACCOUNT, region = 'us-west-2') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeRolePolicy',
        Effect: 'Allow',
        Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:aws:bedrock-agentcore:${region}:${account}:*` },
        },
      },
    ],
  });

/** A shortened stand-in for `BedrockAgentCoreRuntimeExecutionPolicy-{agent}`: ECR, logs, X-Ray, models; no Code Interpreter. */
export const toolkitExecutionPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ECRImageAccess',
      Effect: 'Allow',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: ['arn:aws:ecr:us-west-2:123456789012:repository/*'],
    },
    { Sid: 'ECRTokenAccess', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      Resource: ['arn:aws:logs:us-west-2:123456789012:log-group:/aws/bedrock-agentcore/runtimes/*'],
    },
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: ['*'] },
    {
      Sid: 'BedrockModelInvocation',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: ['arn:aws:bedrock:*::foundation-model/*'],
    },
  ],
});

export const toolkitPolicyName = (agent: string) => `BedrockAgentCoreRuntimeExecutionPolicy-${agent}`;

/** Creates a role the way `agentcore launch` does: CreateRole, then its own inline policy. */
export async function createToolkitRole(
  iam: IAMClient,
  roleName: string,
  options: { agent?: string; tags?: Tag[] } = {},
) {
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      Path: '/',
      AssumeRolePolicyDocument: toolkitTrustPolicy(),
      ...(options.tags ? { Tags: options.tags } : {}),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: toolkitPolicyName(options.agent ?? 'agent'),
      PolicyDocument: toolkitExecutionPolicy,
    }),
  );
  if (!Role?.Arn) throw new Error(`moto returned no ARN for ${roleName}`);
  return Role.Arn;
}

/** A toolkit role that agentcore-guard has already fixed: it carries our least-privilege policy. */
export async function createCompliantToolkitRole(iam: IAMClient, roleName: string) {
  const roleArn = await createToolkitRole(iam, roleName);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'CodeInterpreterAccess',
      PolicyDocument: JSON.stringify(leastPrivilegePolicy(parseRoleArn(roleArn))),
    }),
  );
  return roleArn;
}

/** Creates roles trusting AgentCore, a few at a time (an emulator answers faster in parallel than one by one). */
export async function createRoles(
  iam: IAMClient,
  roles: readonly (string | { name: string; tags?: Tag[] })[],
  concurrency = 16,
): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    roles.map((role) =>
      limit(async () => {
        const { name, tags } = typeof role === 'string' ? { name: role, tags: undefined } : role;
        await iam.send(
          new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: toolkitTrustPolicy(), Tags: tags }),
        );
      }),
    ),
  );
}

/** The least-privilege document for a role of the aws partition, written out from the requirement (not the code). */
export const LEAST_PRIVILEGE_DOCUMENT = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AgentCoreGuardCodeInterpreter',
      Effect: 'Allow',
      Action: [
        'bedrock-agentcore:StartCodeInterpreterSession',
        'bedrock-agentcore:InvokeCodeInterpreter',
        'bedrock-agentcore:StopCodeInterpreterSession',
        'bedrock-agentcore:GetCodeInterpreterSession',
        'bedrock-agentcore:ListCodeInterpreterSessions',
      ],
      Resource: ['arn:aws:bedrock-agentcore:*:aws:code-interpreter/*'],
    },
  ],
};
