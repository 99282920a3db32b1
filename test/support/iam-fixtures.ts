import { CreateRoleCommand, type IAMClient, PutRolePolicyCommand, type Tag } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../../src/aws/arn.js';
import { leastPrivilegePolicy } from '../../src/policy/profiles.js';

/** The trust policy the starter toolkit writes for its runtime role. */
export const toolkitTrustPolicy = (account = '123456789012', region = 'us-west-2') =>
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
