import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { checkAgent, checkAgentHealth, type HealthDeps } from '../../../src/health/check.js';
import type { PermissionReport } from '../../../src/permission/report.js';
import { seedProbe } from '../../../src/probes/prompt.js';
import type { RemediationSettings } from '../../../src/remediation/ensure.js';
import { SEED_AFTER } from '../../fixtures/seed-transcripts.js';
import { describedRole } from '../../support/iam-fixtures.js';

const ROLE_NAME = 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789';
const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;
const target = {
  agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/finale_agent-AbCdE12345',
  agentRuntimeId: 'finale_agent-AbCdE12345',
  agentName: 'finale_agent',
  region: 'us-west-2',
  roleArn: ROLE_ARN,
};
const settings: RemediationSettings = {
  rolePrefixes: ['AmazonBedrockAgentCoreSDKRuntime-'],
  policyProfile: 'least-privilege',
  policyName: 'CodeInterpreterAccess',
  dryRun: false,
  roleNotFoundRetryMs: 0,
};

const agentCore = mockClient(BedrockAgentCoreClient);
const iamMock = mockClient(IAMClient);

const report = (allowed: boolean): PermissionReport => ({
  roleArn: ROLE_ARN,
  allowed,
  method: 'simulate',
  decisions: [
    {
      action: 'bedrock-agentcore:StartCodeInterpreterSession',
      decision: allowed ? 'allowed' : 'implicitDeny',
      matchedStatements: [],
    },
  ],
});

const jsonReply = (text: string) => ({
  contentType: 'application/json',
  statusCode: 200,
  response: Readable.from([Buffer.from(JSON.stringify({ result: text }))]),
});

function deps(overrides: Partial<HealthDeps> = {}): HealthDeps {
  return {
    agentCoreClientFor: () => new BedrockAgentCoreClient({ region: 'us-west-2' }),
    newProbe: seedProbe,
    timeoutMs: 1_000,
    ...overrides,
  };
}

beforeEach(() => {
  agentCore.reset();
  iamMock.reset();
});

describe('the permission probe comes first', () => {
  it('makes a denied role the verdict without asking the model', async () => {
    // Prepare
    const permissionProbe = vi.fn(async () => report(false));
    // Act
    const result = await checkAgentHealth(target, deps({ permissionProbe }));
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'permission-denied' });
    expect(permissionProbe).toHaveBeenCalledWith(ROLE_ARN, 'us-west-2');
    expect(agentCore).not.toHaveReceivedCommand(InvokeAgentRuntimeCommand);
  });

  it('self-heals a denied role with ensureCodeInterpreterPolicy and reports it remediated', async () => {
    // Prepare
    iamMock.on(GetRolePolicyCommand).rejects(Object.assign(new Error('no policy'), { name: 'NoSuchEntityException' }));
    iamMock.on(GetRoleCommand).resolves({ Role: describedRole(ROLE_NAME, { Tags: [] }) });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(PutRolePolicyCommand).resolves({});
    // Act
    const result = await checkAgentHealth(
      target,
      deps({ permissionProbe: async () => report(false), selfHeal: { iam: new IAMClient({}), settings } }),
    );
    // Assess
    expect(result.permission).toMatchObject({ status: 'denied', remediation: 'remediated' });
    expect(result.detail).toContain('Self-heal: remediated');
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, {
      RoleName: ROLE_NAME,
      PolicyName: 'CodeInterpreterAccess',
    });
  });

  it('does not try to self-heal past an explicit Deny, and says so', async () => {
    // Prepare
    const denied: PermissionReport = {
      ...report(false),
      decisions: [
        {
          action: 'bedrock-agentcore:StartCodeInterpreterSession',
          decision: 'explicitDeny',
          matchedStatements: [{ policyName: 'Guardrail', sid: 'NoCode' }],
        },
      ],
    };
    // Act
    const result = await checkAgentHealth(
      target,
      deps({ permissionProbe: async () => denied, selfHeal: { iam: new IAMClient({}), settings } }),
    );
    // Assess
    expect(result).toMatchObject({ reason: 'permission-denied', permission: { explicitlyDenied: true } });
    expect(result.detail).toContain('explicit Deny');
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('asks about a role of any name: a CDK role with a generated name is probed too', async () => {
    // Prepare
    const cdkRole = 'arn:aws:iam::123456789012:role/MyStack-AgentRuntimeRole1A2B3C-XYZ';
    const permissionProbe = vi.fn(async () => report(false));
    // Act
    const result = await checkAgentHealth({ ...target, roleArn: cdkRole }, deps({ permissionProbe }));
    // Assess
    expect(permissionProbe).toHaveBeenCalledWith(cdkRole, 'us-west-2');
    expect(result).toMatchObject({ verdict: 'failing', reason: 'permission-denied', decidedBy: 'permission' });
  });

  it('never writes to a role that is not ours when self-heal is on: ensureCodeInterpreterPolicy ignores it', async () => {
    // Prepare
    const cdkRole = 'arn:aws:iam::123456789012:role/MyStack-AgentRuntimeRole1A2B3C-XYZ';
    // Act
    const result = await checkAgentHealth(
      { ...target, roleArn: cdkRole },
      deps({ permissionProbe: async () => report(false), selfHeal: { iam: new IAMClient({}), settings } }),
    );
    // Assess
    expect(result.permission).toMatchObject({ status: 'denied', remediation: 'ignored' });
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('does not touch the role when self-heal is off', async () => {
    // Act
    const result = await checkAgentHealth(target, deps({ permissionProbe: async () => report(false) }));
    // Assess
    expect(result.permission).toMatchObject({ status: 'denied' });
    expect(result.permission).not.toHaveProperty('remediation');
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('goes on to the prompt when the role is allowed', async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(SEED_AFTER) as never);
    // Act
    const result = await checkAgentHealth(target, deps({ permissionProbe: async () => report(true) }));
    // Assess
    expect(result.verdict).toBe('healthy');
    expect(agentCore).toHaveReceivedCommandWith(InvokeAgentRuntimeCommand, {
      agentRuntimeArn: target.agentRuntimeArn,
      contentType: 'application/json',
    });
  });

  it('goes on to the prompt when the probe itself cannot run', async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(SEED_AFTER) as never);
    // Act
    const result = await checkAgentHealth(
      target,
      deps({
        permissionProbe: async () => {
          throw new Error('not authorized to perform iam:SimulatePrincipalPolicy');
        },
      }),
    );
    // Assess
    expect(result.verdict).toBe('healthy');
    expect(agentCore).toHaveReceivedCommand(InvokeAgentRuntimeCommand);
  });

  it('records a probe that could not run as skipped, with the reason, never as allowed', async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(SEED_AFTER) as never);
    const permissionProbe = async (): Promise<PermissionReport> => {
      throw new Error('not authorized to perform iam:SimulatePrincipalPolicy');
    };
    // Act
    const result = await checkAgentHealth(target, deps({ permissionProbe }));
    // Assess
    expect(result.permission).toEqual({
      status: 'skipped',
      reason: 'not authorized to perform iam:SimulatePrincipalPolicy',
    });
  });
});

describe('the prompt', () => {
  it('turns an SDK error into invoke-error with its name in the excerpt', async () => {
    // Prepare
    agentCore
      .on(InvokeAgentRuntimeCommand)
      .rejects(Object.assign(new Error('Runtime not found'), { name: 'ResourceNotFoundException' }));
    // Act
    const result = await checkAgentHealth(target, deps());
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'invoke-error' });
    expect(result.excerpt).toContain('ResourceNotFoundException');
  });

  it('sends a runtime session id of 33 characters or more', async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(SEED_AFTER) as never);
    // Act
    await checkAgentHealth(target, deps());
    // Assess
    const sessionId = agentCore.commandCalls(InvokeAgentRuntimeCommand)[0]?.args[0].input.runtimeSessionId ?? '';
    expect(sessionId.length).toBeGreaterThanOrEqual(33);
  });
});

describe('the tiers', () => {
  it('sends no prompt in a permission run, and gives no verdict when the role is allowed', async () => {
    // Act
    const result = await checkAgent(target, deps({ permissionProbe: async () => report(true) }), 'permission');
    // Assess
    expect(result).toMatchObject({
      verdict: 'undecided',
      promptSkipped: 'permission-only-run',
      permission: { status: 'allowed' },
    });
    expect(agentCore).not.toHaveReceivedCommand(InvokeAgentRuntimeCommand);
  });

  it('gives the failing verdict in a permission run when the role is denied', async () => {
    // Act
    const result = await checkAgent(target, deps({ permissionProbe: async () => report(false) }), 'permission');
    // Assess
    expect(result).toMatchObject({ verdict: 'failing', reason: 'permission-denied', decidedBy: 'permission' });
  });

  it('gives no verdict in a permission run whose probe could not run', async () => {
    // Prepare
    const permissionProbe = async (): Promise<PermissionReport> => {
      throw new Error('not authorized to perform iam:SimulatePrincipalPolicy');
    };
    // Act
    const result = await checkAgent(target, deps({ permissionProbe }), 'permission');
    // Assess
    expect(result).toMatchObject({ verdict: 'undecided', permission: { status: 'skipped' } });
    expect(agentCore).not.toHaveReceivedCommand(InvokeAgentRuntimeCommand);
  });

  it('sends the prompt in an all run to a runtime that has not opted out', async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(SEED_AFTER) as never);
    const optedOut = vi.fn(async () => false);
    // Act
    const result = await checkAgent(target, deps({ permissionProbe: async () => report(true), optedOut }), 'all');
    // Assess
    expect(result.verdict).toBe('healthy');
    expect(optedOut).toHaveBeenCalledWith(target);
  });

  it('never sends the prompt to a runtime that opted out, even in an all run', async () => {
    // Act
    const result = await checkAgent(
      target,
      deps({ permissionProbe: async () => report(true), optedOut: async () => true }),
      'all',
    );
    // Assess
    expect(result).toMatchObject({ verdict: 'undecided', promptSkipped: 'opted-out' });
    expect(agentCore).not.toHaveReceivedCommand(InvokeAgentRuntimeCommand);
  });

  it('sends no prompt when the tags cannot be read, since they may forbid it', async () => {
    // Act
    const result = await checkAgent(
      target,
      deps({
        optedOut: async () => {
          throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
        },
      }),
      'all',
    );
    // Assess
    expect(result).toMatchObject({ verdict: 'undecided', promptSkipped: 'tags-unreadable' });
    expect(agentCore).not.toHaveReceivedCommand(InvokeAgentRuntimeCommand);
  });

  it('reads no tags when the permission probe already failed the agent', async () => {
    // Prepare
    const optedOut = vi.fn(async () => false);
    // Act
    await checkAgent(target, deps({ permissionProbe: async () => report(false), optedOut }), 'all');
    // Assess
    expect(optedOut).not.toHaveBeenCalled();
  });

  it('sends the prompt whatever the tags when a person asks for the check (verify)', async () => {
    // Prepare
    agentCore.on(InvokeAgentRuntimeCommand).resolves(jsonReply(SEED_AFTER) as never);
    const optedOut = vi.fn(async () => true);
    // Act
    const result = await checkAgentHealth(target, deps({ optedOut }));
    // Assess
    expect(result.verdict).toBe('healthy');
    expect(optedOut).not.toHaveBeenCalled();
  });
});
