import {
  type BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  paginateListAgentRuntimes,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { parseAgentRuntimeArn } from '../aws/arn.js';
import { errorMessage } from '../aws/errors.js';
import { logger } from '../observability.js';

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
}

/**
 * Explicit ARNs are checked whatever their status (the operator asked for them); discovery lists every runtime in
 * each region, all pages, and keeps only `READY` ones (`ListAgentRuntimes` has no role: `GetAgentRuntime` has).
 */
export async function resolveTargets(
  settings: { agentRuntimeArns: readonly string[]; discoveryRegions: readonly string[] },
  deps: TargetDeps,
): Promise<AgentTarget[]> {
  if (settings.agentRuntimeArns.length > 0) {
    return Promise.all(settings.agentRuntimeArns.map((arn) => describeExplicit(arn, deps)));
  }
  const perRegion = await Promise.all(settings.discoveryRegions.map((region) => discover(region, deps)));
  return perRegion.flat();
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

async function discover(region: string, deps: TargetDeps): Promise<AgentTarget[]> {
  const client = deps.controlClientFor(region);
  const ready: { agentRuntimeArn: string; agentRuntimeId: string; agentName: string }[] = [];
  for await (const page of paginateListAgentRuntimes({ client }, {})) {
    for (const runtime of page.agentRuntimes ?? []) {
      if (runtime.status !== 'READY' || !runtime.agentRuntimeArn || !runtime.agentRuntimeId) continue;
      ready.push({
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeId: runtime.agentRuntimeId,
        agentName: runtime.agentRuntimeName ?? runtime.agentRuntimeId,
      });
    }
  }
  const described = await Promise.all(
    ready.map(async (runtime) => {
      const got = await client.send(new GetAgentRuntimeCommand({ agentRuntimeId: runtime.agentRuntimeId }));
      return { ...runtime, region, roleArn: got.roleArn, status: got.status };
    }),
  );
  // The listing and the description are two reads: keep what is still READY.
  return described.filter((t) => t.status === 'READY');
}
