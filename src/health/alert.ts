import {
  type AlertContext,
  type AlertKind,
  type AlertMessage,
  asciiSubject,
  type ChatNotification,
  capitalise,
  escapeMrkdwn,
  threadIdFor,
} from '../alerts/messages.js';
import type { AlertSubject } from '../alerts/state.js';
import { resourceName } from '../aws/arn.js';
import { describePermission, type HealthResult, permissionDecision, verdictKey } from './result.js';

/** One agent's health as an alert subject: one row of alert state per agent runtime. */
export function healthAlertSubject(result: HealthResult): AlertSubject {
  return {
    key: result.agentRuntimeArn,
    status: result.verdict,
    reason: result.reason,
    observed: verdictKey(result),
    message: (kind, context) => formatHealthAlert(kind, result, context),
  };
}

const REASON_TEXT: Record<string, string> = {
  'permission-denied': 'its execution role is not allowed to use the Code Interpreter',
  'tool-not-executed': 'it answered without running its Python tool',
  'wrong-answer': 'its reply did not contain the expected result',
  'invoke-error': 'invoking it failed',
  timeout: 'it did not answer in time',
};

export function formatHealthAlert(kind: AlertKind, result: HealthResult, context: AlertContext = {}): AlertMessage {
  const reason = result.reason ?? 'unknown';
  const headline =
    kind === 'recovered'
      ? `${result.agentName} recovered: the ${result.decidedBy ?? result.probe} probe passes again`
      : `${result.agentName} is ${kind === 'reminder' ? 'still ' : ''}failing: ${reason}`;
  const subject = asciiSubject(
    `[agentcore-guard] ${kind === 'recovered' ? 'RECOVERED' : kind === 'reminder' ? 'STILL FAILING' : 'FAILING'}: ${result.agentName}${kind === 'recovered' ? '' : ` (${reason})`}`,
  );
  const nextSteps = stepsFor(kind, result);
  const remediation = permissionDecision(result.permission)?.remediation;
  const permission = result.permission ? describePermission(result.permission) : undefined;
  const facts: [string, string | undefined][] = [
    ['Agent', result.agentName],
    ['Runtime ARN', result.agentRuntimeArn],
    ['Region', result.region],
    ['Execution role', result.roleArn],
    ['Probe', result.decidedBy === 'permission' ? 'permission (no prompt sent)' : result.probe],
    ['Verdict', kind === 'recovered' ? 'healthy' : `failing (${reason})`],
    ['Was failing with', kind === 'recovered' ? context.previousReason : undefined],
    [kind === 'recovered' ? 'Healthy since' : 'Failing since', context.since ?? result.checkedAt],
    ['Checked at', result.checkedAt],
    ['Permission check', permission],
    ['Self-heal', remediation],
  ];
  const shown = facts.filter((f): f is [string, string] => Boolean(f[1]));
  const width = Math.max(...shown.map(([k]) => k.length)) + 2;
  const why = kind === 'recovered' ? result.detail : `${capitalise(REASON_TEXT[reason] ?? reason)}. ${result.detail}`;

  const text = [
    `agentcore-guard health check: ${headline}`,
    '',
    ...shown.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`),
    '',
    'What happened:',
    `  ${why}`,
    '',
    'Reply excerpt:',
    `  "${result.excerpt || '(empty)'}"`,
    '',
    'Next steps:',
    ...nextSteps.map((s) => `  - ${s}`),
    '',
    kind === 'recovered'
      ? 'You will be told again only if it fails.'
      : 'You will be told when it recovers, and reminded while it keeps failing.',
  ].join('\n');

  const icon = kind === 'recovered' ? ':large_green_circle:' : ':red_circle:';
  const description = [
    `*${why}*`,
    `Agent \`${result.agentName}\` in \`${result.region}\` · probe \`${result.probe}\` · checked ${result.checkedAt}`,
    result.roleArn ? `Role \`${result.roleArn}\`` : undefined,
    permission ? `Permission check: ${escapeMrkdwn(permission)}` : undefined,
    remediation ? `Self-heal: \`${remediation}\`` : undefined,
    `> ${escapeMrkdwn(result.excerpt || '(empty)').replace(/\n/g, ' ')}`,
  ]
    .filter((l): l is string => l !== undefined)
    .join('\n');

  const chat: ChatNotification = {
    version: '1.0',
    source: 'custom',
    id: `${result.agentRuntimeArn}@${result.checkedAt}`,
    content: {
      textType: 'client-markdown',
      title: `${icon} ${headline}`,
      description,
      nextSteps,
      keywords: [result.agentName, kind === 'recovered' ? 'healthy' : reason, result.region],
    },
    metadata: {
      threadId: threadIdFor(result.agentRuntimeArn),
      summary: headline,
      eventType: `AgentCoreHealth${kind === 'recovered' ? 'Recovered' : kind === 'reminder' ? 'Reminder' : 'Failing'}`,
      relatedResources: [result.agentRuntimeArn, ...(result.roleArn ? [result.roleArn] : [])],
      additionalContext: {
        kind,
        agentRuntimeArn: result.agentRuntimeArn,
        agentName: result.agentName,
        region: result.region,
        verdict: result.verdict,
        ...(result.reason ? { reason: result.reason } : {}),
        probe: result.probe,
        checkedAt: result.checkedAt,
      },
    },
  };
  return { kind, about: result.agentRuntimeArn, subject, text, chat };
}

function stepsFor(kind: AlertKind, result: HealthResult): string[] {
  const decision = permissionDecision(result.permission);
  const verify = `Re-run the check by hand: npx agentcore-guard verify --agent ${result.agentRuntimeArn} --probe ${result.probe}`;
  const logs = `Read the agent's logs: CloudWatch log group /aws/bedrock-agentcore/runtimes/${resourceName(result.agentRuntimeArn)}-DEFAULT`;
  if (kind === 'recovered') {
    return result.decidedBy === 'permission'
      ? [
          'No action needed. The role may use the Code Interpreter again; that alone does not prove the agent runs code, which only a prompt probe shows (you will be told if it fails).',
        ]
      : ['No action needed.'];
  }
  switch (result.reason) {
    case 'permission-denied':
      if (decision?.explicitlyDenied) {
        return [
          'An explicit Deny (a permissions boundary, an SCP or a Deny statement) blocks the Code Interpreter: remove or narrow it; no Allow can override it.',
          `Show which statement denies it: npx agentcore-guard check --role ${result.roleArn ? resourceName(result.roleArn) : '<role>'}`,
        ];
      }
      if (decision?.remediation === 'ignored') {
        // Not ours to write (no configured prefix: a CDK, CloudFormation or Terraform role): a person fixes it where it is defined.
        return [
          "The role is not agentcore-guard's to change (its name has no configured prefix): add the Code Interpreter policy where the role is defined (its CDK, CloudFormation or Terraform stack), or by hand.",
          `See what is missing, and the policy: npx agentcore-guard check --role ${result.roleArn ? resourceName(result.roleArn) : '<role>'}`,
        ];
      }
      return decision?.remediation === 'remediated'
        ? [
            'agentcore-guard added the Code Interpreter policy to the role; the next scheduled check confirms it.',
            verify,
          ]
        : [
            'Give the execution role Code Interpreter access: deploy agentcore-guard with selfHeal=true, or apply the policy by hand (`npx agentcore-guard policy` prints it).',
            decision?.remediation
              ? `Self-heal answered ${decision.remediation}: check the role's prefix and its agentcore-guard:exclude tag.`
              : verify,
          ];
    case 'tool-not-executed':
      return [
        "Check the execution role's Code Interpreter permissions (the seed's fix; agentcore-guard's remediate function does this for new roles).",
        logs,
        verify,
      ];
    case 'wrong-answer':
      return [
        'Compare the excerpt with the expected result; the model may have answered without its tool.',
        logs,
        verify,
      ];
    case 'timeout':
      return [
        'Look for a hung tool call or a cold start in the logs; raise probeTimeoutSeconds if the agent is just slow.',
        logs,
        verify,
      ];
    default:
      return [
        'Check the runtime is READY (agentcore status) and that the health check may call bedrock-agentcore:InvokeAgentRuntime on it.',
        logs,
        verify,
      ];
  }
}
