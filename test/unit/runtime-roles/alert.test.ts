import { describe, expect, it } from 'vitest';
import { snsMessage } from '../../../src/alerts/messages.js';
import { formatRuntimeRoleAlert, runtimeRoleAlertSubject } from '../../../src/runtime-roles/alert.js';
import type { RuntimeRole } from '../../../src/runtime-roles/check.js';

const runtime: RuntimeRole = {
  agentRuntimeArn: 'arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/finance_assistant-Xk3mP9qLzT',
  agentRuntimeName: 'finance_assistant',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::123456789012:role/FinanceAgentStack-AgentRuntimeRole1A2B3C-Q7W2E9R4T1Y6',
};
const denied = {
  verdict: 'denied' as const,
  missing: ['bedrock-agentcore:StartCodeInterpreterSession', 'bedrock-agentcore:InvokeCodeInterpreter'],
  explicitDeny: false,
};

describe('the alert for a runtime whose role is not ours', () => {
  it('keeps one row of state per runtime, failing while it lacks access and healthy once it has it', () => {
    // Act
    const failing = runtimeRoleAlertSubject({ runtime, access: denied, policyName: 'CodeInterpreterAccess' });
    const healthy = runtimeRoleAlertSubject({
      runtime,
      access: { verdict: 'allowed' },
      policyName: 'CodeInterpreterAccess',
    });
    // Assess
    expect(failing).toMatchObject({
      key: `runtime-role:${runtime.agentRuntimeArn}`,
      status: 'failing',
      reason: 'denied',
    });
    expect(healthy).toMatchObject({ key: failing.key, status: 'healthy', observed: 'allowed' });
  });

  it('names the runtime, its region, its role, what is missing, and the command that fixes a role no stack owns', () => {
    // Act
    const { subject, text } = formatRuntimeRoleAlert('failing', {
      runtime,
      access: denied,
      policyName: 'CodeInterpreterAccess',
    });
    // Assess
    expect(subject).toBe('[agentcore-guard] NO CODE INTERPRETER: finance_assistant');
    for (const fact of [runtime.agentRuntimeArn, 'eu-west-1', runtime.roleArn, ...denied.missing])
      expect(text).toContain(fact);
    expect(text).toContain(
      'aws iam put-role-policy --role-name FinanceAgentStack-AgentRuntimeRole1A2B3C-Q7W2E9R4T1Y6 --policy-name CodeInterpreterAccess',
    );
    expect(text).toContain('"arn:aws:bedrock-agentcore:*:aws:code-interpreter/*"');
  });

  it('says to fix a stack-owned role in its stack, with a CDK statement, and gives no out-of-band command', () => {
    // Act
    const { text, chat } = formatRuntimeRoleAlert('failing', {
      runtime,
      access: denied,
      stackName: 'FinanceAgentStack',
      policyName: 'CodeInterpreterAccess',
    });
    // Assess
    expect(text).toContain('stack FinanceAgentStack');
    expect(text).toContain('stack drift');
    expect(text).toContain('runtime.role.addToPrincipalPolicy(');
    expect(text).toContain('"bedrock-agentcore:StartCodeInterpreterSession"');
    expect(text).not.toContain('aws iam put-role-policy');
    expect(chat.metadata.additionalContext).toMatchObject({ stackName: 'FinanceAgentStack' });
  });

  it('says when IAM could not tell, and why', () => {
    // Act
    const { text } = formatRuntimeRoleAlert('failing', {
      runtime,
      access: {
        verdict: 'undetermined',
        reason: 'AccessDenied: not authorized to perform: iam:SimulatePrincipalPolicy',
      },
      policyName: 'CodeInterpreterAccess',
    });
    // Assess
    expect(text).toContain('could not tell');
    expect(text).toContain('iam:SimulatePrincipalPolicy');
  });

  it('announces a recovery without a fix, and keeps the chat body free of mrkdwn control characters from names', () => {
    // Act
    const recovered = formatRuntimeRoleAlert('recovered', { runtime, access: { verdict: 'allowed' }, policyName: 'x' });
    const bodies = JSON.parse(snsMessage(recovered)) as Record<string, string>;
    // Assess
    expect(recovered.subject).toBe('[agentcore-guard] RECOVERED: finance_assistant');
    expect(recovered.text).not.toContain('put-role-policy');
    expect(bodies.email).toBe(recovered.text);
  });
});
