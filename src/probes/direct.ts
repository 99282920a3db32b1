import {
  type BedrockAgentCoreClient,
  InvokeCodeInterpreterCommand,
  StartCodeInterpreterSessionCommand,
  StopCodeInterpreterSessionCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { errorMessage, errorName } from '../aws/errors.js';
import { logger } from '../observability.js';

/** Whether this function itself could run code on the managed interpreter, and what it saw. */
export interface DirectCheck {
  ok: boolean;
  detail: string;
}

/** The AWS-managed interpreter every account can use. */
export const MANAGED_CODE_INTERPRETER = 'aws.codeinterpreter.v1';

/**
 * Runs a tiny Python program on the managed Code Interpreter with this function's own credentials, to tell
 * "the service is down" from "this agent is broken". The session is always stopped, also when a step fails.
 */
export async function directCodeInterpreterProbe(deps: {
  client: BedrockAgentCoreClient;
  timeoutMs: number;
  /** Injected in tests. */
  operands?: [number, number];
}): Promise<DirectCheck> {
  const [a, b] = deps.operands ?? [
    1_000 + Math.floor(Math.random() * 9_000),
    1_000 + Math.floor(Math.random() * 9_000),
  ];
  const expected = String(a * b);
  const abortSignal = AbortSignal.timeout(deps.timeoutMs);
  let sessionId: string | undefined;
  try {
    const started = await deps.client.send(
      new StartCodeInterpreterSessionCommand({
        codeInterpreterIdentifier: MANAGED_CODE_INTERPRETER,
        name: 'agentcore_guard_health',
        sessionTimeoutSeconds: 300,
      }),
      { abortSignal },
    );
    sessionId = started.sessionId;
    const invoked = await deps.client.send(
      new InvokeCodeInterpreterCommand({
        codeInterpreterIdentifier: MANAGED_CODE_INTERPRETER,
        sessionId,
        name: 'executeCode',
        arguments: { language: 'python', code: `print(${a} * ${b})` },
      }),
      { abortSignal },
    );
    let output = '';
    for await (const event of invoked.stream ?? []) {
      if (event.result) {
        if (event.result.isError) {
          return {
            ok: false,
            detail: `the code interpreter reported an error: ${resultText(event.result).slice(0, 200)}`,
          };
        }
        output += resultText(event.result);
      } else {
        const [name] = Object.keys(event);
        return { ok: false, detail: `the code interpreter stream reported ${name}` };
      }
    }
    return output.includes(expected)
      ? { ok: true, detail: `aws.codeinterpreter.v1 computed ${a} * ${b} = ${expected}` }
      : { ok: false, detail: `aws.codeinterpreter.v1 printed "${output.trim().slice(0, 100)}", expected ${expected}` };
  } catch (error) {
    return { ok: false, detail: `${errorName(error) ?? 'Error'}: ${errorMessage(error)}` };
  } finally {
    if (sessionId) {
      try {
        await deps.client.send(
          new StopCodeInterpreterSessionCommand({ codeInterpreterIdentifier: MANAGED_CODE_INTERPRETER, sessionId }),
        );
      } catch (error) {
        logger.warn('code interpreter session not stopped', { sessionId, errorName: errorName(error) });
      }
    }
  }
}

function resultText(result: {
  content?: { text?: string }[];
  structuredContent?: { stdout?: string; stderr?: string };
}): string {
  const stdout = result.structuredContent?.stdout;
  if (stdout !== undefined) return stdout + (result.structuredContent?.stderr ?? '');
  return (result.content ?? []).map((c) => c.text ?? '').join('\n');
}
