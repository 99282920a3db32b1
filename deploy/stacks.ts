/**
 * One CloudFormation stack, created or updated from a template and waited for with the SDK's waiters. The
 * runtime-event forwarders (deploy/forwarder-stacks.ts) and the organization's artifact bucket (deploy/org-rollout.ts)
 * are deployed with it. Credentials and endpoints come from the SDK's own chain, never from here.
 */
import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  type Tag,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';

/** A stack that could not be deployed or removed; the message says why and what to do. */
export class StackOperationError extends Error {
  override name = 'StackOperationError';
}

export type DeployOutcome = 'created' | 'updated' | 'unchanged';

export interface WaitOptions {
  /** Seconds between polls (the SDK's default for CloudFormation is 5 to 120). */
  minDelay?: number;
  /** How long a stack may take before the command gives up waiting (it keeps going in CloudFormation). */
  maxWaitTime?: number;
}

const DEFAULT_WAIT = { minDelay: 5, maxWaitTime: 1_800 };

/** The stack in this region, or undefined when there is none (CloudFormation answers a ValidationError). */
export async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      return undefined;
    }
    throw error;
  }
}

/** Waits with the SDK's waiter; on failure, says what state the stack ended in and why. */
export async function waitForStack(
  waiter: typeof waitUntilStackCreateComplete,
  cfn: CloudFormationClient,
  stackName: string,
  region: string,
  wait: WaitOptions,
): Promise<void> {
  try {
    await waiter({ client: cfn, ...DEFAULT_WAIT, ...wait }, { StackName: stackName });
  } catch (error) {
    const stack = await describeStack(cfn, stackName).catch(() => undefined);
    const state = stack ? `${stack.StackStatus}${stack.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}` : '';
    throw new StackOperationError(
      `${stackName} in ${region} did not finish (${state || (error instanceof Error ? error.message : String(error))}). ` +
        `See its events: aws cloudformation describe-stack-events --stack-name ${stackName} --region ${region}`,
    );
  }
}

export interface StackRequest {
  stackName: string;
  region: string;
  templateBody: string;
  /** The parameters, knowing whether the stack exists already (an update may keep a value it has). */
  parameters: (existing: Stack | undefined) => Parameter[];
  capabilities?: ('CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM')[];
  tags?: Tag[];
}

/**
 * Creates the stack, or updates it to this template and these parameters, and waits for it. A first create that
 * rolled back is deleted and created again; a stack that is busy is left alone.
 */
export async function deployStack(
  cfn: CloudFormationClient,
  request: StackRequest,
  wait: WaitOptions = {},
): Promise<DeployOutcome> {
  const { stackName, region } = request;
  let existing = await describeStack(cfn, stackName);
  const status = existing?.StackStatus ?? '';
  if (status.endsWith('_IN_PROGRESS')) {
    throw new StackOperationError(`${stackName} in ${region} is busy (${status}): wait for it and run again.`);
  }
  // A first create that rolled back leaves a stack that can only be deleted.
  if (status === 'ROLLBACK_COMPLETE') {
    await cfn.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStack(waitUntilStackDeleteComplete, cfn, stackName, region, wait);
    existing = undefined;
  }
  const input = {
    StackName: stackName,
    TemplateBody: request.templateBody,
    Parameters: request.parameters(existing),
    Capabilities: request.capabilities,
    Tags: request.tags,
  };
  if (!existing) {
    await cfn.send(new CreateStackCommand({ ...input, OnFailure: 'ROLLBACK' }));
    await waitForStack(waitUntilStackCreateComplete, cfn, stackName, region, wait);
    return 'created';
  }
  try {
    await cfn.send(new UpdateStackCommand(input));
  } catch (error) {
    if (error instanceof Error && /No updates are to be performed/.test(error.message)) return 'unchanged';
    throw error;
  }
  await waitForStack(waitUntilStackUpdateComplete, cfn, stackName, region, wait);
  return 'updated';
}
