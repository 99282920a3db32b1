/**
 * Deploys and removes the runtime-event forwarder (deploy/forwarder-template.ts) in some regions, with the AWS SDK's
 * CloudFormation client: create or update, then wait with the SDK's waiters. Credentials and endpoints come from the
 * SDK's own chain (profile, SSO, environment; AWS_ENDPOINT_URL), never from here.
 *
 * scripts/forwarders.ts is the command line over these functions (`npm run deploy:forwarders`, `remove:forwarders`).
 */
import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, type SQSClient } from '@aws-sdk/client-sqs';
import { type ForwarderScope, forwarderNames, ROLE_NAME_MAX_LENGTH } from '../src/deployment/forwarders.js';
import { EMAIL_PATTERN, HOME_REGION, REGION_PATTERN } from '../src/settings.js';
import { forwarderTemplate, NAME_PART_PATTERN } from './forwarder-template.js';

/** A request the commands refuse before calling AWS: what was wrong and what to do instead. */
export class ForwarderUsageError extends Error {
  override name = 'ForwarderUsageError';
}

/** A stack that could not be deployed or removed; the message says why and what to do. */
export class ForwarderStackError extends Error {
  override name = 'ForwarderStackError';
}

export interface ForwarderRollout {
  service: string;
  stage: string;
  regions: string[];
  /** Subscribed to each region's alarm topic; on an update, unset keeps the address the stack has. */
  alertEmail?: string;
  homeRegion?: string;
}

export type DeployOutcome = 'created' | 'updated' | 'unchanged';
export type RemoveOutcome = 'removed' | 'absent';

export interface StackClients {
  cloudFormation(region: string): CloudFormationClient;
  sqs(region: string): SQSClient;
}

export interface WaitOptions {
  /** Seconds between polls (the SDK's default for CloudFormation is 5 to 120). */
  minDelay?: number;
  /** How long a stack may take before the command gives up waiting (it keeps going in CloudFormation). */
  maxWaitTime?: number;
}

const DEFAULT_WAIT = { minDelay: 5, maxWaitTime: 1_800 };

/**
 * The rollout as given, checked: a non-empty list of regions other than the home region, names that fit. Throws
 * ForwarderUsageError naming the value and what to use instead.
 */
export function checkRollout(rollout: ForwarderRollout): Required<Omit<ForwarderRollout, 'alertEmail'>> {
  const homeRegion = rollout.homeRegion ?? HOME_REGION;
  const { Service, Stage } = forwarderTemplate().Parameters;
  const name = (flag: string, value: string, maxLength: number) => {
    if (!NAME_PART_PATTERN.test(value) || value.length > maxLength) {
      throw new ForwarderUsageError(
        `${flag} "${value}" is not valid: expected letters, digits and "-" (at most ${maxLength}), as the home stack was deployed with.`,
      );
    }
  };
  name('--service', rollout.service, Service.MaxLength);
  name('--stage', rollout.stage, Stage.MaxLength);
  const regions = [...new Set(rollout.regions)];
  if (regions.length === 0) {
    throw new ForwarderUsageError(
      '--regions is empty: name the regions agents run in other than the home region, e.g. --regions eu-west-1,ap-southeast-2.',
    );
  }
  for (const region of regions) {
    if (!REGION_PATTERN.test(region)) {
      throw new ForwarderUsageError(`--regions: "${region}" is not an AWS region such as eu-west-1.`);
    }
    if (region === homeRegion) {
      throw new ForwarderUsageError(
        `--regions: ${region} is the home region; the home stack's own rule sees its runtime events there. ` +
          'Name only the other regions agents run in.',
      );
    }
    const role = forwarderNames({ service: rollout.service, stage: rollout.stage, region }).role;
    if (role.length > ROLE_NAME_MAX_LENGTH) {
      throw new ForwarderUsageError(
        `The forwarder role name ${role} would be longer than IAM's ${ROLE_NAME_MAX_LENGTH} characters: use a shorter --stage.`,
      );
    }
  }
  if (rollout.alertEmail !== undefined && rollout.alertEmail !== '' && !EMAIL_PATTERN.test(rollout.alertEmail)) {
    throw new ForwarderUsageError(`--alert-email "${rollout.alertEmail}" is not valid: expected one e-mail address.`);
  }
  return { service: rollout.service, stage: rollout.stage, regions, homeRegion };
}

const TEMPLATE_BODY = JSON.stringify(forwarderTemplate());

/** The stack in this region, or undefined when there is none (CloudFormation answers a ValidationError). */
async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
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
async function waitFor(
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
    throw new ForwarderStackError(
      `${stackName} in ${region} did not finish (${state || (error instanceof Error ? error.message : String(error))}). ` +
        `See its events: aws cloudformation describe-stack-events --stack-name ${stackName} --region ${region}`,
    );
  }
}

/** Creates the forwarder stack in one region, or updates it to this template and these parameters. */
export async function deployForwarder(
  cfn: CloudFormationClient,
  scope: ForwarderScope & { homeRegion: string; alertEmail?: string },
  wait: WaitOptions = {},
): Promise<DeployOutcome> {
  const stackName = forwarderNames(scope).stack;
  let existing = await describeStack(cfn, stackName);
  const status = existing?.StackStatus ?? '';
  if (status.endsWith('_IN_PROGRESS')) {
    throw new ForwarderStackError(`${stackName} in ${scope.region} is busy (${status}): wait for it and run again.`);
  }
  // A first create that rolled back leaves a stack that can only be deleted.
  if (status === 'ROLLBACK_COMPLETE') {
    await cfn.send(new DeleteStackCommand({ StackName: stackName }));
    await waitFor(waitUntilStackDeleteComplete, cfn, stackName, scope.region, wait);
    existing = undefined;
  }
  const parameters: Parameter[] = [
    { ParameterKey: 'Service', ParameterValue: scope.service },
    { ParameterKey: 'Stage', ParameterValue: scope.stage },
    { ParameterKey: 'HomeRegion', ParameterValue: scope.homeRegion },
    scope.alertEmail === undefined && existing
      ? { ParameterKey: 'AlertEmail', UsePreviousValue: true }
      : { ParameterKey: 'AlertEmail', ParameterValue: scope.alertEmail ?? '' },
  ];
  const request = {
    StackName: stackName,
    TemplateBody: TEMPLATE_BODY,
    Parameters: parameters,
    // The role has a name of its own (IAM is global; the region is in it).
    Capabilities: ['CAPABILITY_NAMED_IAM' as const],
    Tags: [
      { Key: 'app', Value: 'agentcore-guard' },
      { Key: 'stage', Value: scope.stage },
    ],
  };
  if (!existing) {
    await cfn.send(new CreateStackCommand({ ...request, OnFailure: 'ROLLBACK' }));
    await waitFor(waitUntilStackCreateComplete, cfn, stackName, scope.region, wait);
    return 'created';
  }
  try {
    await cfn.send(new UpdateStackCommand(request));
  } catch (error) {
    if (error instanceof Error && /No updates are to be performed/.test(error.message)) return 'unchanged';
    throw error;
  }
  await waitFor(waitUntilStackUpdateComplete, cfn, stackName, scope.region, wait);
  return 'updated';
}

/**
 * Deletes the forwarder stack in one region. Refuses while its dead-letter queue holds events, which deleting would
 * lose, unless `force`.
 */
export async function removeForwarder(
  clients: StackClients,
  scope: ForwarderScope,
  options: { force?: boolean; wait?: WaitOptions } = {},
): Promise<RemoveOutcome> {
  const cfn = clients.cloudFormation(scope.region);
  const stackName = forwarderNames(scope).stack;
  const stack = await describeStack(cfn, stackName);
  if (!stack) return 'absent';
  if (!options.force) {
    const held = await deadLetters(clients.sqs(scope.region), forwarderNames(scope).deadLetterQueue);
    if (held && held.count > 0) {
      throw new ForwarderStackError(
        `${stackName} in ${scope.region} was not removed: its dead-letter queue holds ${held.count} runtime event(s) ` +
          `that never reached the home region. Read them (aws sqs receive-message --queue-url ${held.queueUrl} ` +
          `--region ${scope.region}), then run again, or pass --force to delete them with the stack.`,
      );
    }
  }
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  await waitFor(waitUntilStackDeleteComplete, cfn, stackName, scope.region, options.wait ?? {});
  return 'removed';
}

/** How many events the queue holds (in flight included); undefined when there is no such queue. */
async function deadLetters(
  sqs: SQSClient,
  queueName: string,
): Promise<{ queueUrl: string; count: number } | undefined> {
  let queueUrl: string | undefined;
  try {
    ({ QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName })));
  } catch (error) {
    if (error instanceof QueueDoesNotExist) return undefined;
    throw error;
  }
  if (!queueUrl) return undefined;
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const count =
    Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  return { queueUrl, count };
}
