import { type AlertKind, type AlertMessage, composeAlert } from '../alerts/messages.js';
import type { AlertSubject } from '../alerts/state.js';
import { parseRoleArn } from '../aws/arn.js';
import { asList, statementsOf } from '../policy/document.js';
import { leastPrivilegePolicy } from '../policy/profiles.js';
import type { RoleAccess, RuntimeRole } from './check.js';

/** A runtime whose role is not ours, and what it may do: one row of alert state per runtime. */
export interface RuntimeRoleFinding {
  runtime: RuntimeRole;
  access: RoleAccess;
  /** The CloudFormation stack that owns the role, when its tag says so. */
  stackName?: string;
  /** The inline policy name the fix uses (the stack's own, so a later sweep of a renamed role recognises it). */
  policyName: string;
}

/**
 * Announced when the role cannot (or cannot be shown to) use the Code Interpreter, again only when that changes:
 * recovered once it can, and failing again if it breaks. No reminders: the runtime is not ours to fix.
 */
export function runtimeRoleAlertSubject(finding: RuntimeRoleFinding): AlertSubject {
  const { access } = finding;
  return {
    key: `runtime-role:${finding.runtime.agentRuntimeArn}`,
    status: access.verdict === 'allowed' ? 'healthy' : 'failing',
    ...(access.verdict === 'allowed' ? {} : { reason: access.verdict }),
    observed: access.verdict,
    message: (kind) => formatRuntimeRoleAlert(kind, finding),
  };
}

export function formatRuntimeRoleAlert(kind: AlertKind, finding: RuntimeRoleFinding): AlertMessage {
  const { runtime, access, stackName } = finding;
  const role = parseRoleArn(runtime.roleArn);
  const fix = runtimeRoleFix(finding);
  const recovered = kind === 'recovered';
  const headline = recovered
    ? `${runtime.agentRuntimeName} (${runtime.region}) can use the Code Interpreter again`
    : access.verdict === 'undetermined'
      ? `${runtime.agentRuntimeName} (${runtime.region}): whether its role may use the Code Interpreter is unknown`
      : `${runtime.agentRuntimeName} (${runtime.region}) cannot use the Code Interpreter: its role lacks access`;
  const what = recovered
    ? `The execution role ${role.roleName} may start, invoke and stop a Code Interpreter session again.`
    : access.verdict === 'undetermined'
      ? `IAM's policy simulator could not tell whether ${role.roleName} may use the Code Interpreter (${access.reason}).`
      : `The execution role ${role.roleName} may not call ${access.verdict === 'denied' ? access.missing.join(', ') : ''}` +
        ' on the AWS-managed Code Interpreter, so the agent cannot run code. agentcore-guard never writes to a role it' +
        ' does not own (no configured prefix): fix it where the role is defined.';
  return composeAlert({
    kind,
    about: runtime.agentRuntimeArn,
    label: recovered ? 'RECOVERED' : 'NO CODE INTERPRETER',
    name: runtime.agentRuntimeName,
    headline,
    facts: [
      ['Runtime', runtime.agentRuntimeName],
      ['Runtime ARN', runtime.agentRuntimeArn],
      ['Region', runtime.region],
      ['Execution role', runtime.roleArn],
      ['Missing', access.verdict === 'denied' ? access.missing.join(', ') : undefined],
      ['Role owned by stack', stackName],
    ],
    what,
    blocks: recovered ? [] : fix.blocks,
    nextSteps: recovered ? ['No action needed.'] : fix.steps,
    closing: recovered
      ? 'You will be told again only if it loses access.'
      : 'You will be told when it recovers; not again before that.',
    thread: runtime.agentRuntimeArn,
    eventType: recovered ? 'AgentCoreGuardRuntimeRoleRecovered' : 'AgentCoreGuardRuntimeRoleNoAccess',
    keywords: [runtime.agentRuntimeName, runtime.region, recovered ? 'recovered' : access.verdict],
    relatedResources: [runtime.agentRuntimeArn, runtime.roleArn],
    additionalContext: {
      agentRuntimeArn: runtime.agentRuntimeArn,
      agentName: runtime.agentRuntimeName,
      region: runtime.region,
      roleArn: runtime.roleArn,
      verdict: recovered ? 'allowed' : access.verdict,
      ...(stackName ? { stackName } : {}),
    },
  });
}

/** How to give a role the Code Interpreter: titled blocks to show as they are (JSON, code), then steps in words. */
export interface RuntimeRoleFix {
  blocks: { title: string; body: string }[];
  steps: string[];
}

/**
 * The least-privilege grant for this role, and where to put it: its stack when it has one (CDK), else the role itself
 * (`aws iam put-role-policy`). The alert and `check --runtime` give the same fix.
 */
export function runtimeRoleFix({ runtime, access, stackName, policyName }: RuntimeRoleFinding): RuntimeRoleFix {
  const role = parseRoleArn(runtime.roleArn);
  const document = leastPrivilegePolicy(role);
  const [statement] = statementsOf(document);
  const json = JSON.stringify(document, null, 2);
  const check = `Check it again: npx agentcore-guard check --runtime ${runtime.agentRuntimeArn}`;
  const denyStep =
    access.verdict === 'denied' && access.explicitDeny
      ? [
          'An explicit Deny (a permissions boundary, an SCP or a Deny statement) blocks it: remove or narrow that; no Allow overrides it.',
        ]
      : [];
  if (stackName) {
    const cdk = [
      "import * as iam from 'aws-cdk-lib/aws-iam';",
      '',
      'runtime.role.addToPrincipalPolicy(',
      '  new iam.PolicyStatement({',
      `    actions: ${JSON.stringify(asList(statement?.Action))},`,
      `    resources: ${JSON.stringify(asList(statement?.Resource))},`,
      '  }),',
      ');',
    ].join('\n');
    return {
      blocks: [
        { title: 'Policy to add (least privilege)', body: json },
        { title: `In stack ${stackName} (CDK)`, body: cdk },
      ],
      steps: [
        ...denyStep,
        `Fix it in CloudFormation stack ${stackName}, which owns the role: a change made outside it is stack drift and the next deploy undoes it. With CDK, add the statement above to the runtime's role (runtime.role.addToPrincipalPolicy), then deploy.`,
        check,
      ],
    };
  }
  const command =
    `aws iam put-role-policy --role-name ${role.roleName} --policy-name ${policyName} ` +
    `--policy-document '${JSON.stringify(document)}'`;
  return {
    blocks: [
      { title: 'Policy to add (least privilege)', body: json },
      { title: 'Command', body: command },
    ],
    steps: [
      ...denyStep,
      `Give the role the policy above: ${command}`,
      'Or let agentcore-guard keep it fixed: recreate the role with a configured prefix, at path /, trusting only bedrock-agentcore.amazonaws.com.',
      check,
    ],
  };
}
