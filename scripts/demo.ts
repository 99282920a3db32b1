/**
 * `npm run demo`: the main job, end to end, on a local IAM emulator (moto). No AWS account needed.
 * Creates a role the way the AgentCore starter toolkit does, delivers its CreateRole event to the real
 * handler, shows the fix, then shows that a second delivery changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { checkCodeInterpreterPermissions } from '../src/permission/check.js';
import { decodePolicyDocument } from '../src/policy/document.js';
import { createToolkitRole, toolkitPolicyName } from '../test/support/iam-fixtures.js';
import { lambdaContext } from '../test/support/lambda.js';
import { leaseMoto, MOTO_MISSING_MESSAGE, motoAvailable, useEndpoint } from '../test/support/moto.js';

// The sample CloudTrail event (events/), as EventBridge delivers it: the role the toolkit creates for an agent.
const event = JSON.parse(await readFile(new URL('../events/create-role-agentcore.json', import.meta.url), 'utf8'));
const roleName: string = event.detail.requestParameters.roleName;
const roleArn: string = event.detail.responseElements.role.arn;
const problems: string[] = [];
const check = (what: string, ok: boolean) => {
  if (!ok) problems.push(what);
};
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n: number, text: string) => console.log(`\n${bold(`${n}. ${text}`)}`);

if (!motoAvailable()) {
  console.error(MOTO_MISSING_MESSAGE);
  process.exit(2);
}

const moto = await leaseMoto();
try {
  useEndpoint(moto.endpoint);
  // Quiet the handler's JSON logs and metrics so the story reads; the tests check those.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { handler: remediate } = await import('../handlers/remediate/index.js');
  const handler = (delivered: unknown) => remediate(delivered, lambdaContext());
  const iam = new IAMClient({ region: 'us-east-1' });

  const inlinePolicies = async () =>
    (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];

  console.log(`Local IAM emulator (moto) running at ${moto.endpoint}`);

  step(1, 'The starter toolkit creates the agent’s execution role (as `agentcore launch` does)');
  await createToolkitRole(iam, roleName, { agent: 'finale' });
  console.log(`   role:            ${roleName}`);
  console.log(`   inline policies: ${(await inlinePolicies()).join(', ')}`);
  // IAM's simulator is not in moto: evaluate the role's policies locally, as `agentcore-guard check --offline` does.
  const access = async () => {
    const report = await checkCodeInterpreterPermissions(roleArn, { iam, mode: 'local', region: 'us-west-2' });
    const allowed = report.decisions.filter((d) => d.decision === 'allowed').length;
    return {
      allowed: report.allowed,
      text: `${allowed} of ${report.decisions.length} Code Interpreter actions allowed`,
    };
  };
  const before = await access();
  console.log(`   Code Interpreter access: ${before.text}.`);
  if (!before.allowed) console.log('   The deployed agent would answer "I encountered access restrictions…"');
  check('the new role should start without Code Interpreter access', !before.allowed);

  const toolkitPolicy = async () =>
    (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: toolkitPolicyName('finale') })))
      .PolicyDocument;
  const toolkitBefore = await toolkitPolicy();

  step(2, 'CloudTrail reports CreateRole; EventBridge delivers it to the remediate function');
  const first = await handler(event);
  console.log(`   outcome: ${first.status}`);
  check('the first delivery should remediate the role', first.status === 'remediated');

  step(3, 'The role now carries the Code Interpreter policy');
  console.log(`   inline policies: ${(await inlinePolicies()).join(', ')}`);
  const { PolicyDocument } = await iam.send(
    new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'CodeInterpreterAccess' }),
  );
  const stored = JSON.stringify(decodePolicyDocument(PolicyDocument ?? ''), null, 2);
  console.log(stored.replace(/^/gm, '   '));
  const after = await access();
  console.log(`   Code Interpreter access: ${after.text}.`);
  check('the role should now be able to use the Code Interpreter', after.allowed);
  const untouched = (await toolkitPolicy()) === toolkitBefore;
  console.log(`   ${toolkitPolicyName('finale')} (the toolkit's own): ${untouched ? 'unchanged' : 'CHANGED'}`);
  check("the toolkit's own policy should be unchanged", untouched);

  step(4, 'The same event again (EventBridge delivers at least once): nothing to do');
  const second = await handler(event);
  console.log(
    `   outcome: ${second.status}${second.status === 'compliant' ? ' (already equal, so nothing was written)' : ''}`,
  );
  check('the second delivery should find the role compliant', second.status === 'compliant');

  if (problems.length > 0) {
    console.error(`\nThe demo did not go as it should:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`\n${bold('Done.')} Deploy for real with: npx serverless deploy --stage prod (see README.md).`);
  }
} finally {
  await moto.release();
}
