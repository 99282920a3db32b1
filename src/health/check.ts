import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { IAMClient } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../aws/arn.js';
import { errorMessage } from '../aws/errors.js';
import { logger } from '../observability.js';
import type { PermissionProbe } from '../permission/check.js';
import { type PermissionReport, REQUIRED_CODE_INTERPRETER_ACTIONS } from '../permission/report.js';
import { type DirectCheck, directCodeInterpreterProbe } from '../probes/direct.js';
import { type InvokeOutcome, invokeAgentRuntime } from '../probes/invoke.js';
import { firstFailureSign, type Probe } from '../probes/prompt.js';
import { excerptOf } from '../probes/reply.js';
import { ensureCodeInterpreterPolicy, type RemediationSettings } from '../remediation/ensure.js';
import type { AgentTarget } from '../runtimes/discovery.js';
import type { ProbeTier } from '../settings.js';
import type {
  AgentCheck,
  FailureReason,
  HealthResult,
  PermissionCheck,
  PermissionDecision,
  PromptSkipReason,
  UndecidedResult,
} from './result.js';

export interface HealthDeps {
  agentCoreClientFor: (region: string) => BedrockAgentCoreClient;
  /** A fresh probe per agent (the proof probe's string is random each time). */
  newProbe: () => Probe;
  timeoutMs: number;
  /** No-cost first step, for every role whatever its name; skipped when absent or when the agent's role is unknown. */
  permissionProbe?: PermissionProbe;
  /**
   * Whether the runtime opted out of prompt probes (its `agentcore-guard:probe` tag). Asked only when a prompt is due;
   * absent: never asked (the CLI's `verify`, where a person chose to send the prompt).
   */
  optedOut?: (target: AgentTarget) => Promise<boolean>;
  /** When set, a denied role is fixed with `ensureCodeInterpreterPolicy` (never a copy of it). */
  selfHeal?: { iam: IAMClient; settings: RemediationSettings };
  directProbe?: boolean;
  now?: () => Date;
}

/**
 * One agent, as far as the run's tier allows, cheapest probe first: the IAM permission simulation (no model cost; a
 * denied role is the verdict, and is self-healed); then, in an `all` run and unless the runtime opted out, the prompt
 * (and optionally the managed Code Interpreter directly). Without a prompt, an allowed role gives no verdict.
 */
export async function checkAgent(target: AgentTarget, deps: HealthDeps, tier: ProbeTier): Promise<AgentCheck> {
  const check = startCheck(target, deps);
  const permission = await checkPermission(target, deps);
  if (permission?.status === 'denied') return check.denied(permission);
  const skipped = tier === 'permission' ? 'permission-only-run' : await promptSkipFor(target, deps);
  if (skipped) return check.undecided(permission, skipped);
  return check.prompt(permission);
}

/** One agent, every probe: the permission probe, then the prompt whatever the runtime's tags (the CLI's `verify`). */
export async function checkAgentHealth(target: AgentTarget, deps: HealthDeps): Promise<HealthResult> {
  const check = startCheck(target, deps);
  const permission = await checkPermission(target, deps);
  if (permission?.status === 'denied') return check.denied(permission);
  return check.prompt(permission);
}

/** The steps of one agent's check, sharing its start time and its probe. */
function startCheck(target: AgentTarget, deps: HealthDeps) {
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const probe = deps.newProbe();
  const base = {
    agentRuntimeArn: target.agentRuntimeArn,
    agentName: target.agentName,
    region: target.region,
    roleArn: target.roleArn,
    probe: probe.name,
    checkedAt: now().toISOString(),
  };
  const elapsed = () => Math.round(performance.now() - started);
  const finish = (
    rest: Pick<HealthResult, 'verdict' | 'detail' | 'excerpt' | 'errorName' | 'decidedBy'> & { reason?: FailureReason },
    extra: { permission?: PermissionCheck; direct?: DirectCheck },
  ): HealthResult => ({ ...base, ...rest, ...extra, durationMs: elapsed() });

  return {
    denied(permission: PermissionDecision): HealthResult {
      const healed = permission.explicitlyDenied
        ? ' An explicit Deny blocks it: remove or narrow that statement (self-heal cannot override a Deny).'
        : permission.remediation
          ? ` Self-heal: ${permission.remediation}.`
          : '';
      return finish(
        {
          verdict: 'failing',
          reason: 'permission-denied',
          detail: `The execution role cannot call ${permission.deniedActions.join(', ')}.${healed}`,
          excerpt: `denied: ${permission.deniedActions.join(', ')}`,
          decidedBy: 'permission',
        },
        { permission },
      );
    },

    undecided(permission: PermissionCheck | undefined, promptSkipped: PromptSkipReason): UndecidedResult {
      const found =
        permission?.status === 'allowed'
          ? 'The execution role may use the Code Interpreter'
          : `The permission probe decided nothing (${permission?.status === 'skipped' ? permission.reason : 'the role is unknown'})`;
      return {
        ...base,
        verdict: 'undecided',
        promptSkipped,
        detail: `${found}; no prompt was sent (${PROMPT_SKIP_TEXT[promptSkipped]}), so nothing proves the agent runs code.`,
        ...(permission ? { permission } : {}),
        durationMs: elapsed(),
      };
    },

    async prompt(permission: PermissionCheck | undefined): Promise<HealthResult> {
      const outcome = await invokeAgentRuntime({
        client: deps.agentCoreClientFor(target.region),
        agentRuntimeArn: target.agentRuntimeArn,
        prompt: probe.prompt,
        timeoutMs: deps.timeoutMs,
      });
      const judged = judgeOutcome(probe, outcome);
      const direct = deps.directProbe
        ? await directCodeInterpreterProbe({
            client: deps.agentCoreClientFor(target.region),
            timeoutMs: deps.timeoutMs,
          })
        : undefined;
      const directNote = direct
        ? ` Direct Code Interpreter probe: ${direct.ok ? 'ok' : 'failed'} (${direct.detail}).`
        : '';
      return finish({ ...judged, detail: judged.detail + directNote }, { permission, direct });
    },
  };
}

const PROMPT_SKIP_TEXT: Record<PromptSkipReason, string> = {
  'permission-only-run': 'a permission-only run',
  'opted-out': 'the runtime is tagged agentcore-guard:probe=off',
  'tags-unreadable': 'its tags could not be read, and it may be tagged agentcore-guard:probe=off',
};

/** Why the prompt must not be sent to this runtime, if it must not. An unreadable tag counts as off: no surprise tokens. */
async function promptSkipFor(target: AgentTarget, deps: HealthDeps): Promise<PromptSkipReason | undefined> {
  if (!deps.optedOut) return undefined;
  try {
    return (await deps.optedOut(target)) ? 'opted-out' : undefined;
  } catch (error) {
    logger.warn('runtime tags unreadable', { agentRuntimeArn: target.agentRuntimeArn, error: errorMessage(error) });
    return 'tags-unreadable';
  }
}

/** Turns what came back into a verdict with its reason and an excerpt. Shared with the CLI's `--local`. */
export function judgeOutcome(
  probe: Probe,
  outcome: InvokeOutcome,
): Pick<HealthResult, 'verdict' | 'detail' | 'excerpt' | 'errorName'> & { reason?: FailureReason } {
  if (outcome.kind === 'timeout') {
    return {
      verdict: 'failing',
      reason: 'timeout',
      detail: `No complete answer within ${Math.round(outcome.timeoutMs / 1000)} s.`,
      excerpt: excerptOf(outcome.partialText),
    };
  }
  if (outcome.kind === 'error') {
    const status = outcome.statusCode ? ` (HTTP ${outcome.statusCode})` : '';
    return {
      verdict: 'failing',
      reason: 'invoke-error',
      detail: `The invocation failed: ${outcome.errorName}${status}.`,
      excerpt: excerptOf(`${outcome.errorName}: ${outcome.message}`),
      errorName: outcome.errorName,
    };
  }
  const judgement = probe.judge(outcome.text);
  if (judgement.pass) {
    return { verdict: 'healthy', detail: `The ${probe.name} probe passed.`, excerpt: excerptOf(outcome.text) };
  }
  const sign = firstFailureSign(outcome.text);
  return {
    verdict: 'failing',
    reason: judgement.reason,
    detail: `The ${probe.name} probe failed: ${judgement.detail}.`,
    excerpt: excerptOf(outcome.text, sign?.index),
  };
}

async function checkPermission(target: AgentTarget, deps: HealthDeps): Promise<PermissionCheck | undefined> {
  if (!deps.permissionProbe || !target.roleArn) return undefined;
  let report: PermissionReport;
  try {
    report = await deps.permissionProbe(target.roleArn, target.region);
  } catch (error) {
    // The probe is an optimisation: when it cannot run, it decides nothing (skipped, never "allowed") and the prompt
    // still tells the truth.
    logger.warn('permission probe skipped', { agentRuntimeArn: target.agentRuntimeArn, error: errorMessage(error) });
    return { status: 'skipped', reason: errorMessage(error) };
  }
  const required = report.decisions.filter((d) => REQUIRED_CODE_INTERPRETER_ACTIONS.includes(d.action));
  const deniedActions = required.filter((d) => d.decision !== 'allowed').map((d) => d.action);
  const explicitlyDenied = required.some((d) => d.decision === 'explicitDeny');
  const check: PermissionDecision = {
    status: report.allowed ? 'allowed' : 'denied',
    method: report.method,
    deniedActions,
    explicitlyDenied,
  };
  // No Allow overrides an explicit Deny: writing our policy would change nothing, so self-heal does not try.
  if (report.allowed || !deps.selfHeal || explicitlyDenied) return check;
  try {
    const outcome = await ensureCodeInterpreterPolicy(
      { roleName: parseRoleArn(target.roleArn).roleName },
      deps.selfHeal,
    );
    logger.info('self-heal finished', { role: outcome.roleName, outcome: outcome.status });
    return { ...check, remediation: outcome.status };
  } catch (error) {
    logger.error('self-heal failed', { roleArn: target.roleArn, error: errorMessage(error) });
    return { ...check, error: `self-heal failed: ${errorMessage(error)}` };
  }
}
