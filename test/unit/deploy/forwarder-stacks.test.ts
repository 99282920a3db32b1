import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  type StackStatus,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import {
  checkRollout,
  deployForwarder,
  ForwarderStackError,
  ForwarderUsageError,
} from '../../../deploy/forwarder-stacks.js';

const cfn = mockClient(CloudFormationClient);
const client = new CloudFormationClient({ region: 'eu-west-1' });
const SCOPE = { service: 'agentcore-guard', stage: 'dev', region: 'eu-west-1', homeRegion: 'us-east-1' };
const STACK = 'agentcore-guard-dev-runtime-forwarder';

const noSuchStack = () =>
  new CloudFormationServiceException({
    name: 'ValidationError',
    message: `Stack with id ${STACK} does not exist`,
    $fault: 'client',
    $metadata: {},
  });
const stackIn = (status: StackStatus) => ({
  Stacks: [{ StackName: STACK, StackStatus: status, CreationTime: new Date() }],
});

beforeEach(() => cfn.reset());

describe('checkRollout', () => {
  it('accepts regions other than the home region, without duplicates', () => {
    // Act
    const rollout = checkRollout({ service: 'agentcore-guard', stage: 'dev', regions: ['eu-west-1', 'eu-west-1'] });
    // Assess
    expect(rollout).toEqual({
      service: 'agentcore-guard',
      stage: 'dev',
      regions: ['eu-west-1'],
      homeRegion: 'us-east-1',
    });
  });

  it('refuses the home region, saying its own stack covers it', () => {
    // Act / Assess
    expect(() =>
      checkRollout({ service: 'agentcore-guard', stage: 'dev', regions: ['eu-west-1', 'us-east-1'] }),
    ).toThrow(
      new ForwarderUsageError(
        "--regions: us-east-1 is the home region; the home stack's own rule sees its runtime events there. Name only the other regions agents run in.",
      ),
    );
  });

  it.each([
    [{ regions: [] }, '--regions is empty'],
    [{ regions: ['eu west'] }, '--regions: "eu west" is not an AWS region'],
    [{ stage: 'dev_1' }, '--stage "dev_1" is not valid'],
    [{ stage: 'a-very-long-stage-name' }, '--stage "a-very-long-stage-name" is not valid'],
    [{ alertEmail: 'oncall' }, '--alert-email "oncall" is not valid'],
  ])('refuses %j before any AWS call', (change, message) => {
    // Act / Assess
    expect(() => checkRollout({ service: 'agentcore-guard', stage: 'dev', regions: ['eu-west-1'], ...change })).toThrow(
      message,
    );
  });
});

describe('deployForwarder', () => {
  it('creates the stack where there is none, with its named role acknowledged', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).rejectsOnce(noSuchStack()).resolves(stackIn('CREATE_COMPLETE'));
    cfn.on(CreateStackCommand).resolves({});
    // Act
    const outcome = await deployForwarder(client, { ...SCOPE, alertEmail: 'oncall@example.com' });
    // Assess
    expect(outcome).toBe('created');
    expect(cfn).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: STACK,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [
        { ParameterKey: 'Service', ParameterValue: 'agentcore-guard' },
        { ParameterKey: 'Stage', ParameterValue: 'dev' },
        { ParameterKey: 'HomeRegion', ParameterValue: 'us-east-1' },
        { ParameterKey: 'AlertEmail', ParameterValue: 'oncall@example.com' },
      ],
    });
  });

  it('keeps the alert e-mail the stack has when an update names none', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE'));
    cfn.on(UpdateStackCommand).resolves({});
    // Act
    const outcome = await deployForwarder(client, SCOPE);
    // Assess
    expect(outcome).toBe('updated');
    expect(cfn).toHaveReceivedCommandWith(UpdateStackCommand, {
      Parameters: expect.arrayContaining([{ ParameterKey: 'AlertEmail', UsePreviousValue: true }]),
    });
  });

  it('says unchanged when CloudFormation has nothing to update', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves(stackIn('UPDATE_COMPLETE'));
    cfn.on(UpdateStackCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        message: 'No updates are to be performed.',
        $fault: 'client',
        $metadata: {},
      }),
    );
    // Act / Assess
    expect(await deployForwarder(client, SCOPE)).toBe('unchanged');
  });

  it('replaces a stack whose first create rolled back', async () => {
    // Prepare
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stackIn('ROLLBACK_COMPLETE'))
      .rejectsOnce(noSuchStack())
      .resolves(stackIn('CREATE_COMPLETE'));
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(CreateStackCommand).resolves({});
    // Act
    const outcome = await deployForwarder(client, SCOPE);
    // Assess
    expect(outcome).toBe('created');
    expect(cfn).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('leaves a stack that is busy alone, saying to wait', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves(stackIn('UPDATE_IN_PROGRESS'));
    // Act / Assess
    await expect(deployForwarder(client, SCOPE)).rejects.toThrow(
      new ForwarderStackError(`${STACK} in eu-west-1 is busy (UPDATE_IN_PROGRESS): wait for it and run again.`),
    );
    expect(cfn).not.toHaveReceivedCommand(UpdateStackCommand);
  });

  it('names the state and the reason when the stack fails, and where to look', async () => {
    // Prepare
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(noSuchStack())
      .resolves({
        Stacks: [
          {
            StackName: STACK,
            StackStatus: 'ROLLBACK_COMPLETE',
            StackStatusReason: 'The following resource(s) failed to create: [ForwarderRole].',
            CreationTime: new Date(),
          },
        ],
      });
    cfn.on(CreateStackCommand).resolves({});
    // Act / Assess
    await expect(deployForwarder(client, SCOPE)).rejects.toThrow(
      `${STACK} in eu-west-1 did not finish (ROLLBACK_COMPLETE: The following resource(s) failed to create: [ForwarderRole].). ` +
        `See its events: aws cloudformation describe-stack-events --stack-name ${STACK} --region eu-west-1`,
    );
  });
});
