import {
  type BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import pLimit from 'p-limit';
import { parseAgentRuntimeArn } from '../aws/arn.js';
import { errorMessage, errorName } from '../aws/errors.js';
import { logger } from '../observability.js';
import { DEFAULTS, OFF_SPELLINGS } from '../settings.js';
import { listAgentRuntimes } from './inventory.js';

/** The runtime tag that opts an agent out of prompt probes (`agentcore-guard:probe=off`); its permission is still probed. */
export const PROBE_TAG_KEY = 'agentcore-guard:probe';

/** An agent to check: where it runs and which role it runs as. */
export interface AgentTarget {
  agentRuntimeArn: string;
  agentRuntimeId: string;
  agentName: string;
  region: string;
  /** From `GetAgentRuntime`; absent when it could not be read (the permission probe is then skipped). */
  roleArn?: string;
  status?: string;
}

export interface TargetDeps {
  controlClientFor: (region: string) => BedrockAgentCoreControlClient;
  /** Control-plane reads at once; the health check passes its probe concurrency, so one setting bounds both. */
  concurrency?: number;
}

type Listed = Pick<AgentTarget, 'agentRuntimeArn' | 'agentRuntimeId' | 'agentName' | 'region'>;

/**
 * Explicit ARNs are checked whatever their status (the operator asked for them); discovery lists every runtime in
 * each region, all pages, and keeps only `READY` ones (`ListAgentRuntimes` has no role: `GetAgentRuntime` has).
 * A discovered runtime that cannot be described is skipped with a log line; the others are still checked.
 */
export async function resolveTargets(
  settings: { agentRuntimeArns: readonly string[]; discoveryRegions: readonly string[] },
  deps: TargetDeps,
): Promise<AgentTarget[]> {
  const limit = pLimit(deps.concurrency ?? DEFAULTS.healthConcurrency);
  if (settings.agentRuntimeArns.length > 0) {
    return Promise.all(settings.agentRuntimeArns.map((arn) => limit(() => describeExplicit(arn, deps))));
  }
  const listed = await Promise.all(settings.discoveryRegions.map((region) => limit(() => listReady(region, deps))));
  const described = await Promise.all(listed.flat().map((runtime) => limit(() => describeListed(runtime, deps))));
  // The listing and the description are two reads: keep what is still READY.
  return described.filter((t): t is AgentTarget => t?.status === 'READY');
}

async function describeExplicit(agentRuntimeArn: string, deps: TargetDeps): Promise<AgentTarget> {
  const { region, agentRuntimeId } = parseAgentRuntimeArn(agentRuntimeArn);
  try {
    const got = await deps.controlClientFor(region).send(new GetAgentRuntimeCommand({ agentRuntimeId }));
    return {
      agentRuntimeArn,
      agentRuntimeId,
      region,
      agentName: got.agentRuntimeName ?? agentRuntimeId,
      roleArn: got.roleArn,
      status: got.status,
    };
  } catch (error) {
    logger.warn('agent runtime not described', { agentRuntimeArn, error: errorMessage(error) });
    return { agentRuntimeArn, agentRuntimeId, region, agentName: agentRuntimeId };
  }
}

async function listReady(region: string, deps: TargetDeps): Promise<Listed[]> {
  const runtimes = await listAgentRuntimes(region, deps.controlClientFor(region));
  return runtimes
    .filter((runtime) => runtime.status === 'READY')
    .map(({ agentRuntimeArn, agentRuntimeId, agentRuntimeName }) => ({
      agentRuntimeArn,
      agentRuntimeId,
      agentName: agentRuntimeName,
      region,
    }));
}

/** A listed runtime with its role, or undefined when it cannot be described (that one is skipped, not the run). */
async function describeListed(runtime: Listed, deps: TargetDeps): Promise<AgentTarget | undefined> {
  try {
    const got = await deps
      .controlClientFor(runtime.region)
      .send(new GetAgentRuntimeCommand({ agentRuntimeId: runtime.agentRuntimeId }));
    return { ...runtime, roleArn: got.roleArn, status: got.status };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      // Deleted between the listing and the description: nothing left to check.
      logger.info('agent runtime skipped', { agentRuntimeArn: runtime.agentRuntimeArn, reason: 'deleted' });
    } else {
      logger.warn('agent runtime skipped', {
        agentRuntimeArn: runtime.agentRuntimeArn,
        reason: 'not described',
        error: errorMessage(error),
      });
    }
    return undefined;
  }
}

/**
 * Has the runtime opted out of prompt probes? True when its `agentcore-guard:probe` tag says off (`off`, `none`,
 * `disabled` or `false`, any case). Read from the control plane's `ListTagsForResource` each time a prompt is due, so a
 * tag set a minute ago holds at the next run; its errors are the caller's to handle.
 */
export async function optedOutOfPromptProbe(
  target: Pick<AgentTarget, 'agentRuntimeArn' | 'region'>,
  deps: Pick<TargetDeps, 'controlClientFor'>,
): Promise<boolean> {
  const { tags } = await deps
    .controlClientFor(target.region)
    .send(new ListTagsForResourceCommand({ resourceArn: target.agentRuntimeArn }));
  const value = tags?.[PROBE_TAG_KEY];
  return value !== undefined && OFF_SPELLINGS.includes(value.trim().toLowerCase());
}
