import { describe, expect, it } from 'vitest';
import { formatHealthAlert } from '../../../src/health/alert.js';
import type { HealthResult } from '../../../src/health/result.js';

const CDK_ROLE = 'MyStack-AgentRuntimeRole1A2B3C-XYZ';
const denied: HealthResult = {
  agentRuntimeArn: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/cdk_agent-AbCdE12345',
  agentName: 'cdk_agent',
  region: 'us-west-2',
  roleArn: `arn:aws:iam::123456789012:role/${CDK_ROLE}`,
  probe: 'proof',
  verdict: 'failing',
  reason: 'permission-denied',
  detail: 'The execution role cannot call bedrock-agentcore:StartCodeInterpreterSession. Self-heal: ignored.',
  excerpt: 'denied: bedrock-agentcore:StartCodeInterpreterSession',
  decidedBy: 'permission',
  permission: {
    status: 'denied',
    method: 'simulate',
    deniedActions: ['bedrock-agentcore:StartCodeInterpreterSession'],
    remediation: 'ignored',
  },
  checkedAt: '2026-11-29T09:00:00.000Z',
  durationMs: 300,
};
const allowedAgain: HealthResult = {
  ...denied,
  verdict: 'healthy',
  reason: undefined,
  detail: 'The execution role may use the Code Interpreter again (permission probe).',
  excerpt: '',
  permission: { status: 'allowed', method: 'simulate', deniedActions: [] },
};

describe('the alert for a role that is not ours to write', () => {
  it('tells a person to fix the role where it is defined, with the command that shows what is missing', () => {
    // Act
    const { chat, text } = formatHealthAlert('failing', denied);
    // Assess
    expect(chat.content.nextSteps).toEqual([
      expect.stringMatching(/not agentcore-guard's to change[\s\S]*CDK, CloudFormation or Terraform/),
      `See what is missing, and the policy: npx agentcore-guard check --role ${CDK_ROLE}`,
    ]);
    expect(text).not.toContain('selfHeal=true');
  });
});

describe('a recovery the permission probe decided', () => {
  it('says the permission probe passes again, not the prompt', () => {
    // Act
    const { chat, subject } = formatHealthAlert('recovered', allowedAgain);
    // Assess
    expect(subject).toBe('[agentcore-guard] RECOVERED: cdk_agent');
    expect(chat.content.title).toContain('cdk_agent recovered: the permission probe passes again');
  });

  it('says that an allowed role does not prove the agent runs code', () => {
    // Act
    const { text, chat } = formatHealthAlert('recovered', allowedAgain);
    // Assess
    expect(text).toMatch(/Probe: +permission \(no prompt sent\)/);
    expect(chat.content.nextSteps).toEqual([expect.stringContaining('does not prove the agent runs code')]);
  });

  it('names the prompt probe when the prompt decided the recovery', () => {
    // Act
    const { chat } = formatHealthAlert('recovered', { ...allowedAgain, decidedBy: undefined });
    // Assess
    expect(chat.content.title).toContain('cdk_agent recovered: the proof probe passes again');
    expect(chat.content.nextSteps).toEqual(['No action needed.']);
  });
});
