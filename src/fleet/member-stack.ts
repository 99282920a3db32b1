import type { Output } from '@aws-sdk/client-cloudformation';
import { type PolicyProfileName, SETTINGS, type SettingName, type SettingValue } from '../settings.js';

/**
 * What the fleet report knows of a member account's stack, and where it reads it: the audit role's tag names the
 * stack (a StackSet calls it `StackSet-<set>-<id>`), and the stack's outputs carry its release and the settings its
 * functions run with, so that each account is judged by its own prefixes, profile and regions.
 */

/** The audit role's tag whose value is its stack's name (serverless.yml, AuditRole). */
export const STACK_TAG_KEY = 'agentcore-guard:stack';

/** The stack's outputs the report reads, by what they hold (serverless.yml, Outputs). */
export const STACK_OUTPUTS = {
  version: 'Version',
  rolePrefixes: 'RolePrefixes',
  policyProfile: 'PolicyProfile',
  policyName: 'PolicyName',
  customInterpreters: 'CustomInterpreters',
  agentRegions: 'AgentRegions',
  alertStateTable: 'AlertStateTableName',
} as const;

/** The functions' own count of roles they remediated (Powertools metrics: namespace, `service` dimension). */
export const REMEDIATED_METRIC = {
  namespace: 'AgentCoreGuard',
  metricName: 'Remediated',
  dimensions: { service: 'agentcore-guard' },
} as const;

/** A member stack's settings, as its outputs say. */
export interface MemberSettings {
  /** The release the stack was packaged from; undefined for a stack older than this output. */
  version?: string;
  rolePrefixes: readonly string[];
  policyProfile: PolicyProfileName;
  policyName: string;
  customInterpreters: boolean;
  agentRegions: readonly string[];
  alertStateTable?: string;
}

/** The stack does not say what the report needs to judge its account. */
export class MemberStackOutputsError extends Error {
  override name = 'MemberStackOutputsError';
}

/**
 * The settings from a stack's outputs, by the same rules the functions read their environment with. A stack without
 * them predates the fleet report: say so, rather than judge its roles by someone else's prefixes.
 */
export function memberSettings(stackName: string, outputs: readonly Output[]): MemberSettings {
  const byKey = new Map(outputs.map((o) => [o.OutputKey, o.OutputValue]));
  const problems: string[] = [];
  const read = <N extends SettingName>(name: N, key: string): SettingValue<N> => {
    const raw = byKey.get(key);
    if (raw === undefined) problems.push(`no ${key} output`);
    const reading = SETTINGS[name].read(raw);
    if (reading.ok) return reading.value as SettingValue<N>;
    problems.push(`${key}=${JSON.stringify(raw)} (expected ${reading.expected})`);
    return undefined as SettingValue<N>;
  };
  const settings: MemberSettings = {
    version: byKey.get(STACK_OUTPUTS.version) || undefined,
    rolePrefixes: read('rolePrefixes', STACK_OUTPUTS.rolePrefixes),
    policyProfile: read('policyProfile', STACK_OUTPUTS.policyProfile),
    policyName: read('policyName', STACK_OUTPUTS.policyName),
    customInterpreters: read('customInterpreters', STACK_OUTPUTS.customInterpreters),
    agentRegions: read('agentRegions', STACK_OUTPUTS.agentRegions),
    alertStateTable: byKey.get(STACK_OUTPUTS.alertStateTable) || undefined,
  };
  if (problems.length > 0) {
    throw new MemberStackOutputsError(
      `stack ${stackName} does not say how it is set up (${problems.join('; ')}): deploy this release to it`,
    );
  }
  return settings;
}
