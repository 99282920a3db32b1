import type { Output } from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { parseRoleArn } from '../../src/aws/arn.js';
import { STACK_OUTPUTS } from '../../src/fleet/member-stack.js';
import { leastPrivilegePolicy } from '../../src/policy/profiles.js';
import { TOOLKIT_PREFIX } from './iam-fixtures.js';

/** The account the fleet report runs from, and the organization it belongs to. */
export const ADMINISTRATOR = '111122223333';
export const ORGANIZATION = 'o-exampleorg1';
export const AUDIT_ROLE = 'agentcore-guard-dev-audit';
export const STACK_NAME = 'agentcore-guard-dev';
export const ALERT_TABLE = 'agentcore-guard-dev-alert-state';

/** What a member stack of this release outputs, as a default deployment sets it; tests override what they vary. */
export function memberStackOutputs(overrides: Partial<Record<keyof typeof STACK_OUTPUTS, string>> = {}): Output[] {
  const values: Record<keyof typeof STACK_OUTPUTS, string> = {
    version: '0.1.0',
    rolePrefixes: TOOLKIT_PREFIX,
    policyProfile: 'least-privilege',
    policyName: 'CodeInterpreterAccess',
    customInterpreters: 'false',
    agentRegions: 'us-east-1',
    alertStateTable: ALERT_TABLE,
    ...overrides,
  };
  return Object.entries(STACK_OUTPUTS).map(([key, OutputKey]) => ({
    OutputKey,
    OutputValue: values[key as keyof typeof STACK_OUTPUTS],
  }));
}

/** Our least-privilege policy for a role, as the remediation writes it (and IAM returns it, URL-encoded). */
export const compliantPolicyFor = (roleArn: string) =>
  encodeURIComponent(JSON.stringify(leastPrivilegePolicy(parseRoleArn(roleArn))));

/** Credentials in another account: moto switches account on AssumeRole into that account's role. */
export async function credentialsIn(account: string): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await new STSClient({}).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'agentcore-guard-test',
    }),
  );
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken,
  };
}
