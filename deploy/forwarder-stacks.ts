/**
 * Deploys and removes the runtime-event forwarder (deploy/forwarder-template.ts) in some regions, with the AWS SDK's
 * CloudFormation client: create or update, then wait (deploy/stacks.ts). Credentials and endpoints come from the
 * SDK's own chain (profile, SSO, environment; AWS_ENDPOINT_URL), never from here.
 *
 * scripts/forwarders.ts is the command line over these functions (`npm run deploy:forwarders`, `remove:forwarders`).
 */
import {
  type CloudFormationClient,
  DeleteStackCommand,
  type Parameter,
  waitUntilStackDeleteComplete,
} from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, type SQSClient } from '@aws-sdk/client-sqs';
import { type ForwarderScope, forwarderNames, ROLE_NAME_MAX_LENGTH } from '../src/deployment/forwarders.js';
import { EMAIL_PATTERN, HOME_REGION, REGION_PATTERN } from '../src/settings.js';
import { forwarderTemplate, NAME_PART_PATTERN } from './forwarder-template.js';
import {
  type DeployOutcome,
  deployStack,
  describeStack,
  StackOperationError,
  type WaitOptions,
  waitForStack,
} from './stacks.js';

export {
  type DeployOutcome,
  /** The forwarder commands' name for a stack that could not be deployed or removed. */
  StackOperationError as ForwarderStackError,
  type WaitOptions,
} from './stacks.js';

/** A request the commands refuse before calling AWS: what was wrong and what to do instead. */
export class ForwarderUsageError extends Error {
  override name = 'ForwarderUsageError';
}

export interface ForwarderRollout {
  service: string;
  stage: string;
  regions: string[];
  /** Subscribed to each region's alarm topic; on an update, unset keeps the address the stack has. */
  alertEmail?: string;
  homeRegion?: string;
}

export type RemoveOutcome = 'removed' | 'absent';

export interface StackClients {
  cloudFormation(region: string): CloudFormationClient;
  sqs(region: string): SQSClient;
}

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

/** Creates the forwarder stack in one region, or updates it to this template and these parameters. */
export function deployForwarder(
  cfn: CloudFormationClient,
  scope: ForwarderScope & { homeRegion: string; alertEmail?: string },
  wait: WaitOptions = {},
): Promise<DeployOutcome> {
  const parameters = (existing: unknown): Parameter[] => [
    { ParameterKey: 'Service', ParameterValue: scope.service },
    { ParameterKey: 'Stage', ParameterValue: scope.stage },
    { ParameterKey: 'HomeRegion', ParameterValue: scope.homeRegion },
    scope.alertEmail === undefined && existing
      ? { ParameterKey: 'AlertEmail', UsePreviousValue: true }
      : { ParameterKey: 'AlertEmail', ParameterValue: scope.alertEmail ?? '' },
  ];
  return deployStack(
    cfn,
    {
      stackName: forwarderNames(scope).stack,
      region: scope.region,
      templateBody: TEMPLATE_BODY,
      parameters,
      // The role has a name of its own (IAM is global; the region is in it).
      capabilities: ['CAPABILITY_NAMED_IAM'],
      tags: [
        { Key: 'app', Value: 'agentcore-guard' },
        { Key: 'stage', Value: scope.stage },
      ],
    },
    wait,
  );
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
      throw new StackOperationError(
        `${stackName} in ${scope.region} was not removed: its dead-letter queue holds ${held.count} runtime event(s) ` +
          `that never reached the home region. Read them (aws sqs receive-message --queue-url ${held.queueUrl} ` +
          `--region ${scope.region}), then run again, or pass --force to delete them with the stack.`,
      );
    }
  }
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  await waitForStack(waitUntilStackDeleteComplete, cfn, stackName, scope.region, options.wait ?? {});
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
