import type { Output } from '@aws-sdk/client-cloudformation';
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
