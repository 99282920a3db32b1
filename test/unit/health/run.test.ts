import { Readable } from 'node:stream';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../../src/alerts/messages.js';
import {
  type AgentReport,
  AlertDeliveryError,
  assertAlertsDelivered,
  runHealthCheck,
} from '../../../src/health/run.js';
import type { PermissionReport } from '../../../src/permission/report.js';
import { seedProbe } from '../../../src/probes/prompt.js';
import { SEED_AFTER } from '../../fixtures/seed-transcripts.js';
import { captureOutput } from '../../support/output.js';

const agentCore = mockClient(BedrockAgentCoreClient);
const control = mockClient(BedrockAgentCoreControlClient);
const ddbMock = mockClient(DynamoDBClient);
const output = captureOutput();
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

describe('a permission-only run and the alert state', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/MyStack-AgentRuntimeRole1A2B3C-XYZ';
  const allowed: PermissionReport = {
    roleArn: ROLE,
    allowed: true,
    method: 'simulate',
    decisions: ['StartCodeInterpreterSession', 'InvokeCodeInterpreter', 'StopCodeInterpreterSession'].map((a) => ({
      action: `bedrock-agentcore:${a}`,
      decision: 'allowed' as const,
      matchedStatements: [],
    })),
  };
  /** The agent's alert-state row as the table holds it. */
  const row = (fields: Record<string, unknown>) => ({
    Item: marshall({ subject: arn(1), version: 3, lastCheckedAt: '2026-11-29T09:00:00.000Z', ...fields }),
  });
  let sent: AlertMessage[];
  const hourlyRun = () =>
    runHealthCheck(
      { agentRuntimeArns: [arn(1)], discoveryRegions: [] },
      {
        tier: 'permission',
        controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }),
        agentCoreClientFor: (region) => new BedrockAgentCoreClient({ region }),
        newProbe: seedProbe,
        timeoutMs: 1_000,
        permissionProbe: async () => allowed,
        alerts: {
          ddb: new DynamoDBClient({}),
          tableName: 't',
          publish: async (alert) => {
            sent.push(alert);
            return 'm';
          },
        },
      },
    );

  beforeEach(() => {
    sent = [];
    control.on(GetAgentRuntimeCommand).resolves({ status: 'READY', roleArn: ROLE, agentRuntimeName: 'agent1' });
    ddbMock.on(PutItemCommand).resolves({});
    ddbMock.on(UpdateItemCommand).resolves({});
  });

  it('announces no recovery when the agent failed its prompt: an allowed role is not proof it runs code', async () => {
    // Prepare
    ddbMock
      .on(GetItemCommand)
      .resolves(row({ status: 'failing', reason: 'tool-not-executed', lastObserved: 'tool-not-executed' }));
    // Act
    const [report] = await hourlyRun();
    // Assess
    expect(report?.result?.verdict).toBe('undecided');
    expect(report?.alert).toBeUndefined();
    expect(sent).toEqual([]);
    expect(ddbMock).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('records no first "healthy" for an agent it has never seen', async () => {
    // Prepare
    ddbMock.on(GetItemCommand).resolves({});
    // Act
    const [report] = await hourlyRun();
    // Assess
    expect(report?.result?.verdict).toBe('undecided');
    expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
    expect(ddbMock).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('announces the recovery from a permission-denied failure, decided by the permission probe', async () => {
    // Prepare
    ddbMock
      .on(GetItemCommand)
      .resolves(row({ status: 'failing', reason: 'permission-denied', lastObserved: 'permission-denied' }));
    // Act
    const [report] = await hourlyRun();
    // Assess
    expect(report?.result).toMatchObject({ verdict: 'healthy', decidedBy: 'permission' });
    expect(report?.alert).toMatchObject({ action: 'published', kind: 'recovered' });
    expect(sent.map((a) => a.subject)).toEqual(['[agentcore-guard] RECOVERED: agent1']);
  });

  it('announces no recovery when a prompt failed after the permission-denied alert', async () => {
    // Prepare: announced for the denial, but the last thing seen was the prompt's failure
    ddbMock
      .on(GetItemCommand)
      .resolves(row({ status: 'failing', reason: 'permission-denied', lastObserved: 'timeout' }));
    // Act
    const [report] = await hourlyRun();
    // Assess
    expect(report?.result?.verdict).toBe('undecided');
    expect(sent).toEqual([]);
  });

  it('reports an alert state it could not read, so that the run fails and a possible recovery is decided again', async () => {
    // Prepare
    ddbMock.on(GetItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    // Act
    const reports = await hourlyRun();
    // Assess
    expect(reports[0]?.alertError).toBe('ProvisionedThroughputExceededException');
    expect(() => assertAlertsDelivered(reports)).toThrow(AlertDeliveryError);
  });

  it('runs every agent of a permission run however short the prompt timeout leaves time', async () => {
    // Prepare: 20 s left, less than one prompt would take
    // Act
    const reports = await runHealthCheck(
      { agentRuntimeArns: [arn(1), arn(2)], discoveryRegions: [] },
      {
        tier: 'permission',
        controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }),
        agentCoreClientFor: (region) => new BedrockAgentCoreClient({ region }),
        newProbe: seedProbe,
        timeoutMs: 120_000,
        permissionProbe: async () => allowed,
        remainingMs: () => 20_000,
      },
    );
    // Assess
    expect(reports.map((r) => r.result?.verdict)).toEqual(['undecided', 'undecided']);
  });
});

describe('what a run logs', () => {
  it('lists a thousand targets in a line of a few kilobytes, saying how many there were', async () => {
    // Prepare: no time left, so the run logs its targets and checks none
    const targets = Array.from({ length: 1000 }, (_, n) => arn(n));
    // Act
    await runHealthCheck(
      { agentRuntimeArns: targets, discoveryRegions: [] },
      {
        controlClientFor: (region) => new BedrockAgentCoreControlClient({ region }),
        agentCoreClientFor: (region) => new BedrockAgentCoreClient({ region }),
        newProbe: seedProbe,
        timeoutMs: 1_000,
        remainingMs: () => 0,
      },
    );
    // Assess
    const line = output.text.split('\n').find((l) => l.includes('"health check targets"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({
      count: 1000,
      agents: expect.arrayContaining(['…[truncated: 1000 items]']),
    });
    expect(line.length).toBeLessThan(8 * 1024);
  });
});

describe('alerts that could not be delivered', () => {
  const reports: AgentReport[] = [
    { agentRuntimeArn: arn(1), alert: { action: 'published', kind: 'failing' } },
    { agentRuntimeArn: arn(2), alert: { action: 'publish-failed', kind: 'recovered', error: 'KMSDisabledException' } },
    { agentRuntimeArn: arn(3), alert: { action: 'none' } },
    { agentRuntimeArn: arn(4), alertError: 'ProvisionedThroughputExceededException' },
    { agentRuntimeArn: arn(5), alert: { action: 'claimed-elsewhere' } },
  ];

  it('fail the run with each one named: refused by SNS, or not recorded', () => {
    // Act
    const error = (() => {
      try {
        assertAlertsDelivered(reports);
      } catch (e) {
        return e;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect((error as AlertDeliveryError).undelivered).toEqual([
      { agentRuntimeArn: arn(2), problem: 'SNS refused the recovered alert: KMSDisabledException' },
      { agentRuntimeArn: arn(4), problem: 'alert state not recorded: ProvisionedThroughputExceededException' },
    ]);
    expect((error as Error).message).toMatch(/^2 alert\(s\) could not be delivered/);
  });

  it('leave the run alone when every due alert was delivered, or left to another run', () => {
    // Act and assess
    expect(() =>
      assertAlertsDelivered(reports.filter((r) => r.alert && r.alert.action !== 'publish-failed')),
    ).not.toThrow();
  });
});
