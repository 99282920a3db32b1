import {
  type BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  paginateListAgentRuntimes,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { parse, validate } from '@aws-sdk/util-arn-parser';
import { InvalidAgentRuntimeArnError } from '../aws/arn.js';
import { errorName } from '../aws/errors.js';
import { REGION_PATTERN } from '../settings.js';

/** A runtime as `ListAgentRuntimes` names it: no role (only `GetAgentRuntime` has that). */
export interface ListedRuntime {
  agentRuntimeArn: string;
  agentRuntimeId: string;
  agentRuntimeName: string;
  region: string;
  status?: string;
}

/** A runtime as `GetAgentRuntime` describes it now: which role it runs as. */
export interface DescribedRuntime extends ListedRuntime {
  roleArn: string;
}

export type ControlClientFor = (region: string) => BedrockAgentCoreControlClient;

/** Every runtime of one region, whatever its status, across all pages. */
export async function listAgentRuntimes(
  region: string,
  control: BedrockAgentCoreControlClient,
): Promise<ListedRuntime[]> {
  const runtimes: ListedRuntime[] = [];
  for await (const page of paginateListAgentRuntimes({ client: control }, {})) {
    for (const runtime of page.agentRuntimes ?? []) {
      if (!runtime.agentRuntimeArn || !runtime.agentRuntimeId) continue;
      runtimes.push({
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeId: runtime.agentRuntimeId,
        agentRuntimeName: runtime.agentRuntimeName ?? runtime.agentRuntimeId,
        region,
        ...(runtime.status ? { status: runtime.status } : {}),
      });
    }
  }
  return runtimes;
}

/** The runtime and its role as the control plane has them now; undefined when it no longer exists. */
export async function describeAgentRuntime(
  runtime: Pick<ListedRuntime, 'agentRuntimeId' | 'region'>,
  control: BedrockAgentCoreControlClient,
): Promise<DescribedRuntime | undefined> {
  try {
    const got = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: runtime.agentRuntimeId }));
    if (!got.agentRuntimeArn) return undefined;
    return {
      agentRuntimeArn: got.agentRuntimeArn,
      agentRuntimeId: got.agentRuntimeId ?? runtime.agentRuntimeId,
      agentRuntimeName: got.agentRuntimeName ?? runtime.agentRuntimeId,
      region: runtime.region,
      roleArn: got.roleArn ?? '',
      ...(got.status ? { status: got.status } : {}),
    };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Where a runtime ARN points: its region, and its id when the ARN carries one (`runtime/<id>`). */
export interface RuntimeArnLocation {
  region: string;
  account: string;
  agentRuntimeId?: string;
}

const RUNTIME_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * `arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>` as AWS writes it. An emulator writes
 * `agent/<uuid>:<version>`, whose uuid is not the id: such an ARN is located by its region alone and found by listing.
 */
export function locateRuntimeArn(arn: string): RuntimeArnLocation {
  const invalid = () =>
    new InvalidAgentRuntimeArnError(
      `"${arn}" is not an agent runtime ARN (arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>). ` +
        'Copy it from `agentcore status`, the AgentCore console, or `agentcore-guard runtimes`.',
    );
  if (!validate(arn)) throw invalid();
  const { partition, service, region, accountId, resource } = parse(arn);
  if (!/^aws[a-z-]*$/.test(partition) || service !== 'bedrock-agentcore') throw invalid();
  if (!REGION_PATTERN.test(region) || !/^\d{12}$/.test(accountId)) throw invalid();
  const [type, ...rest] = resource.split('/');
  const id = rest.join('/');
  if (type === 'runtime' && RUNTIME_ID.test(id)) return { region, account: accountId, agentRuntimeId: id };
  if (type === 'agent' && /^[\w-]+(:\d+)?$/.test(id)) return { region, account: accountId };
  throw invalid();
}

/** Versions are not runtimes: `…:agent/<uuid>:2` is the same runtime as `…:agent/<uuid>:1`. */
const unversioned = (arn: string) => arn.replace(/:\d+$/, '');

/**
 * The runtime an ARN names, with its role; undefined when its region has no such runtime. Throws
 * `InvalidAgentRuntimeArnError` for anything that is not a runtime ARN.
 */
export async function findAgentRuntime(
  arn: string,
  controlClientFor: ControlClientFor,
): Promise<DescribedRuntime | undefined> {
  const { region, agentRuntimeId } = locateRuntimeArn(arn);
  const control = controlClientFor(region);
  if (agentRuntimeId) return describeAgentRuntime({ agentRuntimeId, region }, control);
  const listed = (await listAgentRuntimes(region, control)).find(
    (runtime) => unversioned(runtime.agentRuntimeArn) === unversioned(arn),
  );
  return listed ? describeAgentRuntime(listed, control) : undefined;
}
