import { Readable } from 'node:stream';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runHealthCheck } from '../../../src/health/run.js';
import { seedProbe } from '../../../src/probes/prompt.js';
import { SEED_AFTER } from '../../fixtures/seed-transcripts.js';

const agentCore = mockClient(BedrockAgentCoreClient);
const control = mockClient(BedrockAgentCoreControlClient);
const ddbMock = mockClient(DynamoDBClient);
const arn = (n: number) => `arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/agent${n}-AbCdE1234${n}`;

beforeEach(() => {
  agentCore.reset();
  control.reset();
  ddbMock.reset();
  control.on(GetAgentRuntimeCommand).resolves({ status: 'READY' });
  agentCore.on(InvokeAgentRuntimeCommand).callsFake(() => ({
    contentType: 'application/json',
    response: Readable.from([Buffer.from(JSON.stringify({ result: SEED_AFTER }))]),
  }));
});

describe('a health-check run', () => {
  it('checks every target and keeps going when recording one agent fails', async () => {
    // Prepare
    ddbMock.on(GetItemCommand).resolves({});
    ddbMock
      .on(GetItemCommand, { Key: { subject: { S: arn(2) } } })
      .rejects(new Error('ProvisionedThroughputExceededException'));
    ddbMock.on(PutItemCommand).resolves({});
    // Act
    const reports = await runHealthCheck(
      { agentRuntimeArns: [arn(1), arn(2), arn(3)], discoveryRegions: [] },
      {
        controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }),
        agentCoreClientFor: (region) => new BedrockAgentCoreClient({ region }),
        newProbe: seedProbe,
        timeoutMs: 1_000,
        concurrency: 2,
        alerts: {
          ddb: new DynamoDBClient({}),
          tableName: 't',
          publish: async () => 'm',
          reminderMs: 3_600_000,
        },
      },
    );
    // Assess
    expect(reports.map((r) => [r.result?.verdict, r.alert?.action ?? r.alertError])).toEqual([
      ['healthy', 'none'],
      ['healthy', 'ProvisionedThroughputExceededException'],
      ['healthy', 'none'],
    ]);
  });
});

describe('a run short of time', () => {
  it('skips the agents it could not finish, without a verdict, instead of timing out mid-probe', async () => {
    // Prepare: time for the first agent only
    let remaining = 200_000;
    // Act
    const reports = await runHealthCheck(
      { agentRuntimeArns: [arn(1), arn(2)], discoveryRegions: [] },
      {
        controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }),
        agentCoreClientFor: (region) => new BedrockAgentCoreClient({ region }),
        newProbe: seedProbe,
        timeoutMs: 120_000,
        concurrency: 1,
        remainingMs: () => {
          const left = remaining;
          remaining -= 100_000;
          return left;
        },
      },
    );
    // Assess
    expect(reports.map((r) => [r.agentRuntimeArn, r.result?.verdict])).toEqual([
      [arn(1), 'healthy'],
      [arn(2), undefined],
    ]);
  });
});
