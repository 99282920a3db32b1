import {
  BedrockAgentCoreClient,
  InvokeCodeInterpreterCommand,
  StartCodeInterpreterSessionCommand,
  StopCodeInterpreterSessionCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { directCodeInterpreterProbe } from '../../../src/probes/direct.js';

const agentCore = mockClient(BedrockAgentCoreClient);
const client = new BedrockAgentCoreClient({ region: 'us-west-2' });

async function* events(...items: unknown[]) {
  for (const item of items) yield item;
}

beforeEach(() => {
  agentCore.reset();
  agentCore
    .on(StartCodeInterpreterSessionCommand)
    .resolves({ sessionId: 'sess-1', codeInterpreterIdentifier: 'aws.codeinterpreter.v1', createdAt: new Date() });
  agentCore.on(StopCodeInterpreterSessionCommand).resolves({});
});

describe('the direct Code Interpreter probe', () => {
  it('runs executeCode in Python on aws.codeinterpreter.v1 and passes on the right output', async () => {
    // Prepare
    agentCore
      .on(InvokeCodeInterpreterCommand)
      .resolves({ stream: events({ result: { content: [{ type: 'text', text: '391' }] } }) as never });
    // Act
    const check = await directCodeInterpreterProbe({ client, timeoutMs: 1_000, operands: [17, 23] });
    // Assess
    expect(check.ok).toBe(true);
    expect(agentCore).toHaveReceivedCommandWith(StartCodeInterpreterSessionCommand, {
      codeInterpreterIdentifier: 'aws.codeinterpreter.v1',
    });
    expect(agentCore).toHaveReceivedCommandWith(InvokeCodeInterpreterCommand, {
      codeInterpreterIdentifier: 'aws.codeinterpreter.v1',
      sessionId: 'sess-1',
      name: 'executeCode',
      arguments: { language: 'python', code: 'print(17 * 23)' },
    });
  });

  it('stops the session when executing fails', async () => {
    // Prepare
    agentCore
      .on(InvokeCodeInterpreterCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    // Act
    const check = await directCodeInterpreterProbe({ client, timeoutMs: 1_000, operands: [17, 23] });
    // Assess
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('AccessDeniedException') });
    expect(agentCore).toHaveReceivedCommandWith(StopCodeInterpreterSessionCommand, {
      codeInterpreterIdentifier: 'aws.codeinterpreter.v1',
      sessionId: 'sess-1',
    });
  });

  it('fails on a result block marked as an error, and still stops the session', async () => {
    // Prepare
    agentCore.on(InvokeCodeInterpreterCommand).resolves({
      stream: events({ result: { isError: true, content: [{ type: 'text', text: 'NameError' }] } }) as never,
    });
    // Act
    const check = await directCodeInterpreterProbe({ client, timeoutMs: 1_000, operands: [17, 23] });
    // Assess
    expect(check.ok).toBe(false);
    expect(agentCore).toHaveReceivedCommandTimes(StopCodeInterpreterSessionCommand, 1);
  });

  it('does not try to stop a session that never started', async () => {
    // Prepare
    agentCore.on(StartCodeInterpreterSessionCommand).rejects(new Error('service unavailable'));
    // Act
    const check = await directCodeInterpreterProbe({ client, timeoutMs: 1_000, operands: [17, 23] });
    // Assess
    expect(check.ok).toBe(false);
    expect(agentCore).not.toHaveReceivedCommand(StopCodeInterpreterSessionCommand);
  });
});
