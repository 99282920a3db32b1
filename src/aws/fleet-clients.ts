import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { HOME_REGION } from '../settings.js';
import { createIamClient } from './clients.js';

// The fleet report's clients (the CLI only), in a module of their own so that the functions' bundles never carry
// Organizations, CloudFormation or CloudWatch.

/** Organizations answers in us-east-1 (its one endpoint in the aws partition). */
export function createOrganizationsClient(region: string = HOME_REGION): OrganizationsClient {
  return new OrganizationsClient({ region });
}

/** A member account's clients, all on the credentials of the role assumed there. */
export interface MemberAccountClients {
  iam: IAMClient;
  cloudFormation: CloudFormationClient;
  dynamoDb: DynamoDBClient;
  cloudWatch: CloudWatchClient;
  /** AgentCore's control plane is regional: one client per region asked for. */
  controlPlane(region: string): BedrockAgentCoreControlClient;
}

/** The stack lives in us-east-1 (IAM's events reach EventBridge there only), so its table, outputs and metrics do. */
export function memberAccountClients(
  credentials: AwsCredentialIdentity,
  options: { iamMaxAttempts: number; region?: string },
): MemberAccountClients {
  const region = options.region ?? HOME_REGION;
  const control = new Map<string, BedrockAgentCoreControlClient>();
  return {
    iam: createIamClient({ region, iamMaxAttempts: options.iamMaxAttempts }, { credentials }),
    cloudFormation: new CloudFormationClient({ region, credentials }),
    dynamoDb: new DynamoDBClient({ region, credentials }),
    cloudWatch: new CloudWatchClient({ region, credentials }),
    controlPlane(at) {
      let client = control.get(at);
      if (!client) {
        client = new BedrockAgentCoreControlClient({ region: at, credentials, maxAttempts: 5, retryMode: 'adaptive' });
        control.set(at, client);
      }
      return client;
    },
  };
}

/** A role's temporary credentials, from STS: only as long as the report needs (15 minutes, STS's least). */
export async function assumeRole(
  sts: STSClient,
  roleArn: string,
  sessionName: string,
  durationSeconds = 900,
): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS returned no credentials for ${roleArn}.`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}
