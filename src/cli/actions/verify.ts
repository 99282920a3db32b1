import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { agentCoreClientsByRegion } from '../../aws/agentcore-clients.js';
import { agentCoreControlClientsByRegion } from '../../aws/agentcore-control-clients.js';
import { parseAgentRuntimeArn } from '../../aws/arn.js';
import { errorMessage } from '../../aws/errors.js';
import { checkAgentHealth, judgeOutcome } from '../../health/check.js';
import { describePermission, type HealthResult, type PermissionCheck } from '../../health/result.js';
import { type PermissionProbe, permissionProbeFor } from '../../permission/check.js';
import { invokeLocalAgent } from '../../probes/invoke.js';
import { buildProbe } from '../../probes/prompt.js';
import { resolveTargets } from '../../runtimes/discovery.js';
import { HEALTH_PROBES, type HealthProbeName } from '../../settings.js';
import type { CliContext } from '../context.js';
import { describeError, type ErrorContext, EXIT, type ExitCode } from '../output.js';

export interface VerifyOptions {
  /** A deployed agent's runtime ARN. */
  agent?: string;
  /** A locally running agent's base URL (`agentcore launch --local`, port 8080). */
  local?: string;
  probe?: string;
  prompt?: string;
  expect?: string;
  timeoutSeconds?: number;
  json?: boolean;
}

export interface VerifyIo {
  out(text: string): void;
  err(text: string): void;
}

export interface VerifyDeps {
  agentCoreClientFor?: (region: string) => BedrockAgentCoreClient;
  controlClientFor?: (region: string) => BedrockAgentCoreControlClient;
  permissionProbe?: PermissionProbe;
  fetchImpl?: typeof fetch;
  /** Where AWS calls go (AWS_ENDPOINT_URL), for error messages. */
  errorContext?: ErrorContext;
}

/**
 * `agentcore-guard verify --agent ARN | --local URL [--probe proof|seed|custom --prompt … --expect …]`:
 * the health check's probe and verdict, for a person. Read-only: no self-heal, no alert.
 * Exit 0 healthy, 1 failing, 2 usage or credential problem, classified as every command does (`describeError`).
 */
export async function verifyCommand(options: VerifyOptions, io: VerifyIo, deps: VerifyDeps = {}): Promise<ExitCode> {
  if (Boolean(options.agent) === Boolean(options.local)) {
    io.err('verify needs exactly one of --agent <runtime ARN> or --local <URL, e.g. http://localhost:8080>.');
    return EXIT.usage;
  }
  const probeName = (options.probe ?? 'proof') as HealthProbeName;
  if (!HEALTH_PROBES.includes(probeName)) {
    io.err(`--probe must be one of ${HEALTH_PROBES.join(', ')} (got "${options.probe}").`);
    return EXIT.usage;
  }
  const timeoutMs = Math.round((options.timeoutSeconds ?? 120) * 1000);
  if (!(timeoutMs > 0)) {
    io.err('--timeout must be a positive number of seconds.');
    return EXIT.usage;
  }
  let newProbe: () => ReturnType<typeof buildProbe>;
  try {
    buildProbe(probeName, { customPrompt: options.prompt, customExpect: options.expect });
    newProbe = () => buildProbe(probeName, { customPrompt: options.prompt, customExpect: options.expect });
  } catch (error) {
    io.err(errorMessage(error));
    return EXIT.usage;
  }

  let result: HealthResult;
  let errorContext: ErrorContext = deps.errorContext ?? {};
  if (options.local) {
    let url: URL;
    try {
      url = new URL(options.local);
    } catch {
      io.err(`--local needs a URL such as http://localhost:8080 (got "${options.local}").`);
      return EXIT.usage;
    }
    errorContext = { localAgent: url.href };
    const probe = newProbe();
    const started = performance.now();
    const outcome = await invokeLocalAgent({
      baseUrl: url.href,
      prompt: probe.prompt,
      timeoutMs,
      fetchImpl: deps.fetchImpl,
    });
    result = {
      agentRuntimeArn: new URL('invocations', url.href.endsWith('/') ? url.href : `${url.href}/`).href,
      agentName: 'local agent',
      region: 'local',
      probe: probe.name,
      ...judgeOutcome(probe, outcome),
      checkedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
  } else {
    const arn = options.agent as string;
    try {
      parseAgentRuntimeArn(arn);
    } catch (error) {
      io.err(errorMessage(error));
      return EXIT.usage;
    }
    try {
      const [target] = await resolveTargets(
        { agentRuntimeArns: [arn], discoveryRegions: [] },
        { controlClientFor: deps.controlClientFor ?? agentCoreControlClientsByRegion() },
      );
      if (!target) throw new Error(`no target for ${arn}`);
      result = await checkAgentHealth(target, {
        agentCoreClientFor: deps.agentCoreClientFor ?? agentCoreClientsByRegion(),
        newProbe,
        timeoutMs,
        permissionProbe: deps.permissionProbe,
      });
    } catch (error) {
      const { exitCode, message } = describeError(error, errorContext);
      io.err(message);
      return exitCode;
    }
  }
  // A caller who may not invoke the agent (no credentials, an expired SSO session, no permission, no connection, a
  // wrong endpoint) learns nothing about the agent: that is the caller's problem, worded and exited as for every
  // other command.
  const invokeError = invokeErrorOf(result);
  if (invokeError) {
    const { exitCode, message } = describeError(invokeError, errorContext);
    if (exitCode === EXIT.usage) {
      io.err(message);
      return exitCode;
    }
  }

  io.out(options.json ? JSON.stringify(result, null, 2) : renderResult(result));
  return result.verdict === 'healthy' ? EXIT.ok : EXIT.findings;
}

/** The verdict as a person reads it. */
export function renderResult(result: HealthResult): string {
  const status = result.verdict === 'healthy' ? 'HEALTHY' : `FAILING  ${result.reason ?? ''}`.trimEnd();
  // A failed invocation has no reply: its excerpt is the error, which `why` already says in words.
  const failedInvocation = result.reason === 'invoke-error';
  const rows: [string, string | undefined][] = [
    ['agent', result.agentRuntimeArn],
    ['role', result.roleArn],
    ['probe', result.probe],
    ['why', failedInvocation ? describeInvocationFailure(result) : result.detail],
    ['reply', result.excerpt && !failedInvocation ? `"${result.excerpt}"` : undefined],
    ['permission', result.permission ? permissionLine(result.permission) : undefined],
    ['took', `${(result.durationMs / 1000).toFixed(1)} s`],
  ];
  return [
    `${result.agentName}  ${status}`,
    ...rows.filter((r): r is [string, string] => Boolean(r[1])).map(([k, v]) => `  ${k.padEnd(10)} ${v}`),
  ].join('\n');
}

/** The permission probe's answer; when it could not run for want of a connection or a real AWS answer, in words. */
function permissionLine(permission: PermissionCheck): string {
  if (permission.status !== 'skipped') return describePermission(permission);
  const described = describeError(new Error(permission.reason));
  return described.exitCode === EXIT.usage ? `skipped (${described.message})` : describePermission(permission);
}

/**
 * The invocation's error as `describeError` reads it: its SDK name, the excerpt without the name in front, and the
 * HTTP status the detail names.
 */
function invokeErrorOf(result: HealthResult): Error | undefined {
  if (result.reason !== 'invoke-error' || !result.errorName) return undefined;
  const prefix = `${result.errorName}: `;
  const message = result.excerpt.startsWith(prefix) ? result.excerpt.slice(prefix.length) : result.excerpt;
  const status = Number(/\(HTTP (\d{3})\)/.exec(result.detail)?.[1]);
  return Object.assign(new Error(message), {
    name: result.errorName,
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });
}

/** The failed invocation in words: the agent's own HTTP status, or the service's error and what it said. */
function describeInvocationFailure(result: HealthResult): string {
  const status = /^HTTP (\d{3})$/.exec(result.errorName ?? '')?.[1];
  if (status) {
    return `The agent answered HTTP ${status} instead of a reply. Check that it is running and serves POST /invocations.`;
  }
  const error = invokeErrorOf(result);
  return error ? `The invocation failed: ${describeError(error).message}` : result.detail;
}

export interface VerifyFlags {
  agent?: string;
  local?: string;
  probe?: string;
  prompt?: string;
  expect?: string;
  timeout?: string;
  json?: boolean;
}

export async function runVerify(ctx: CliContext, flags: VerifyFlags): Promise<void> {
  const timeoutSeconds = Number(flags.timeout);
  const config = flags.agent ? ctx.config() : undefined;
  const code = await verifyCommand(
    { ...flags, timeoutSeconds: Number.isFinite(timeoutSeconds) ? timeoutSeconds : Number.NaN },
    { out: (text) => ctx.io.stdout.write(`${text}\n`), err: (text) => ctx.io.stderr.write(`${text}\n`) },
    // Read-only: the permission probe reads the role, nothing is written and nothing is alerted.
    config
      ? { permissionProbe: permissionProbeFor(await ctx.clients.iam(config)), errorContext: ctx.errorContext() }
      : {},
  );
  ctx.exit(code);
}
