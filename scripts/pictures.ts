/**
 * `npm run pictures`: the pictures in docs/images/ and the alert samples in docs/alerts.md, made from real runs.
 *
 * - The sweep: roles are created in moto as the starter toolkit makes them (one missing our policy, one with the seed's
 *   hand-applied policy, one compliant, one excluded, one whose trust policy admits another account), then the built
 *   CLI runs `sweep --dry-run` and `sweep` on a pseudo-terminal (`script`), and the screen it leaves is drawn as SVG.
 * - The alerts: the real handlers run against moto (IAM, DynamoDB, SNS), with the project's local fakes where moto has
 *   no API: IAM's policy simulator, and the AgentCore control and data planes (moto's runtime ARNs are not AWS's
 *   shape). Every SNS Publish is recorded on its way to moto. The e-mail is the published subject and `email` body;
 *   the Slack message is what slack-notify builds from the published `lambda` body. Both are laid out as HTML and
 *   photographed with headless Chromium.
 *
 * Needs moto_server (moto 5), `script` (util-linux) and Chromium (`apt-get install chromium fonts-lato`, or set
 * CHROMIUM to its path). Re-running gives the same pictures: durations and clocks are fixed (see `mask`), moto's random
 * identifiers are seeded, and the fakes hand out fixed ones.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { chromium } from 'playwright-core';
import { slackPayloadFor } from '../src/alerts/slack.js';
import { loadConfig } from '../src/config.js';
import { seedPolicy } from '../src/policy/profiles.js';
import { SEED_BEFORE_WITH_PRODUCT } from '../test/fixtures/seed-transcripts.js';
import { startAgentCoreFake, streamed } from '../test/support/agentcore-fake.js';
import { createAlertInfrastructure } from '../test/support/alert-fixtures.js';
import { apiCallEvent, createRoleEvent } from '../test/support/events.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import {
  ACCOUNT,
  createCompliantToolkitRole,
  createToolkitRole,
  TOOLKIT_PREFIX,
  toolkitTrustPolicy,
} from '../test/support/iam-fixtures.js';
import { startIamSimulator } from '../test/support/iam-simulator.js';
import { lambdaContext } from '../test/support/lambda.js';
import { leaseMoto, MOTO_MISSING_MESSAGE, motoAvailable, useEndpoint } from '../test/support/moto.js';
import { buildCli } from './build-cli.js';
import { emailPage, slackPage } from './lib/alert-html.js';
import { screenOf, terminalSvg } from './lib/terminal-svg.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const images = join(root, 'docs', 'images');
const alertsDoc = join(root, 'docs', 'alerts.md');
const COLUMNS = 144;
/** The one time every alert shows, so that a re-run changes nothing. */
const FIXED_TIME = '2026-01-15T09:00:00.000Z';

// --- Prerequisites -------------------------------------------------------------------------------------------------

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (!found) {
    console.error(
      'npm run pictures: Chromium was not found. Install it (Debian: apt-get install chromium fonts-lato) or set CHROMIUM to its path, then retry.',
    );
    process.exit(2);
  }
  return found;
}

if (!motoAvailable()) {
  console.error(MOTO_MISSING_MESSAGE);
  process.exit(2);
}
if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('npm run pictures: `script` (util-linux) was not found; it runs the CLI on a pseudo-terminal.');
  process.exit(2);
}
const browserPath = chromiumPath();

/** The starter toolkit's role name for an agent: the first 10 hex digits of the SHA-256 of its name. */
const toolkitRoleName = (agent: string) =>
  `${TOOLKIT_PREFIX}us-west-2-${createHash('sha256').update(agent).digest('hex').slice(0, 10)}`;

/** What changes from run to run (durations, clocks) replaced by fixed text. */
function mask(text: string): string {
  return text
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, FIXED_TIME)
    .replace(/, in \d+\.\d s\./g, ', in 0.5 s.');
}

// --- Run ---------------------------------------------------------------------------------------------------------

// Inside the checkout, so that the CLI bundle finds its external packages in node_modules as dist/cli.mjs does.
await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
const work = await mkdtemp(join(root, 'node_modules', '.cache', 'agentcore-guard-pictures-'));
const moto = await leaseMoto();
const cleanups: (() => Promise<unknown>)[] = [() => moto.release(), () => rm(work, { recursive: true, force: true })];
try {
  // moto lists roles in the order of their random IDs: a fixed seed gives the same IDs, so the same order, every run.
  await fetch(`${moto.endpoint}/moto-api/seed?a=42`, { method: 'POST' });
  useEndpoint(moto.endpoint);
  // The handlers' JSON logs and metrics would drown the script's own lines.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await mkdir(images, { recursive: true });
  const iam = new IAMClient({ region: 'us-east-1' });

  // The roles of one account, as the toolkit and people leave them.
  const missing = toolkitRoleName('finance_agent');
  const handFixed = toolkitRoleName('support_agent');
  const compliant = toolkitRoleName('research_agent');
  const excluded = toolkitRoleName('triage_agent');
  const untrusted = toolkitRoleName('scratch');
  await createToolkitRole(iam, missing, { agent: 'finance_agent' });
  await createToolkitRole(iam, handFixed, { agent: 'support_agent' });
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: handFixed,
      PolicyName: 'CodeInterpreterAccess',
      PolicyDocument: JSON.stringify(seedPolicy()),
    }),
  );
  await createCompliantToolkitRole(iam, compliant);
  await createToolkitRole(iam, excluded, {
    agent: 'triage_agent',
    tags: [{ Key: 'agentcore-guard:exclude', Value: 'true' }],
  });
  const foreignTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'sts:AssumeRole' }],
  });
  await iam.send(new CreateRoleCommand({ RoleName: untrusted, Path: '/', AssumeRolePolicyDocument: foreignTrust }));
  // A runtime role as CDK makes one: a generated name, the stack's tag, no Code Interpreter. Not ours to write.
  const cdkRole = 'MyStack-AgentRuntimeRole1A2B3C-XYZ0123456';
  await iam.send(
    new CreateRoleCommand({
      RoleName: cdkRole,
      AssumeRolePolicyDocument: toolkitTrustPolicy(),
      Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'MyStack' }],
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: cdkRole,
      PolicyName: 'AgentRuntimeRoleDefaultPolicy',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'logs:PutLogEvents'], Resource: '*' }],
      }),
    }),
  );

  // --- The sweep on a terminal ---------------------------------------------------------------------------------
  const cli = await buildCli(join(work, 'cli'));
  const sweep = async (args: string, file: string) => {
    const run = spawnSync(
      'script',
      ['-q', '-e', '-c', `stty cols ${COLUMNS} rows 50; exec "${process.execPath}" "${cli}" ${args}`, '/dev/null'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          FORCE_COLOR: '1',
          // One role at a time: the same order on every run, so the same picture.
          SWEEP_CONCURRENCY: '1',
        },
      },
    );
    if (run.error) throw run.error;
    const shown = `\x1b[1;32m$\x1b[0m npx agentcore-guard ${args}\r\n${mask(run.stdout)}`;
    const rows = await screenOf(shown, COLUMNS);
    await writeFile(join(images, file), terminalSvg(rows, { title: `agentcore-guard ${args}`, columns: COLUMNS }));
    console.log(`docs/images/${file}: agentcore-guard ${args} exited ${run.status}`);
  };
  await sweep('sweep --dry-run', 'sweep-dry-run.svg');
  await sweep('sweep', 'sweep.svg');

  // --- Alerts through the real handlers ------------------------------------------------------------------------
  const published: { subject: string; message: Record<string, string> }[] = [];
  const recorder = await startFaultProxy({
    target: moto.endpoint,
    seed: 1,
    answer: async (action, body) => {
      if (action === 'Publish') {
        published.push({ subject: body.get('Subject') ?? '', message: JSON.parse(body.get('Message') ?? '{}') });
      }
      return undefined;
    },
  });
  const simulator = await startIamSimulator(moto.endpoint);
  const agentcore = await startAgentCoreFake();
  cleanups.unshift(
    () => recorder.stop(),
    () => simulator.stop(),
    () => agentcore.stop(),
  );
  process.env.AWS_ENDPOINT_URL_SNS = recorder.endpoint;
  process.env.AWS_ENDPOINT_URL_IAM = simulator.endpoint;
  process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = agentcore.endpoint;
  process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL = agentcore.endpoint;
  const table = 'agentcore-guard-prod-alert-state';
  const { topicArn } = await createAlertInfrastructure({ table, topic: 'agentcore-guard-prod-alerts' });
  const env = { ...process.env, ALERT_STATE_TABLE: table, ALERT_TOPIC_ARN: topicArn };
  const lastAlert = (what: string) => {
    const alert = published.at(-1);
    if (!alert) throw new Error(`${what}: nothing was published`);
    return { subject: mask(alert.subject), message: JSON.parse(mask(JSON.stringify(alert.message))) };
  };

  // A runtime whose role CDK made and lacks the Code Interpreter: the runtimes function, on its CloudTrail event.
  const runtime = {
    agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/cdk_agent-Xy7Kp2QwZ9`,
    agentRuntimeId: 'cdk_agent-Xy7Kp2QwZ9',
    agentRuntimeName: 'cdk_agent',
    status: 'READY',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${cdkRole}`,
  };
  agentcore.runtimes.push(runtime);
  const { createRuntimesHandler, runtimesDeps } = await import('../handlers/runtimes/index.js');
  await createRuntimesHandler(runtimesDeps(loadConfig(env)))(
    apiCallEvent({
      source: 'aws.bedrock-agentcore',
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'CreateAgentRuntime',
      region: 'us-west-2',
      requestParameters: { agentRuntimeName: runtime.agentRuntimeName, roleArn: runtime.roleArn },
      responseElements: { agentRuntimeArn: runtime.agentRuntimeArn, agentRuntimeId: runtime.agentRuntimeId },
    }),
    lambdaContext({ functionName: 'agentcore-guard-prod-runtimes' }),
  );
  const runtimeAlert = lastAlert('the runtimes function');

  // A prefixed role that trusts another account: the remediate function, on its CreateRole event.
  const { createRemediateHandler, remediateDeps } = await import('../handlers/remediate/index.js');
  await createRemediateHandler(remediateDeps(loadConfig(env)))(
    createRoleEvent(untrusted, { trustPolicy: JSON.parse(foreignTrust) }),
    lambdaContext({ functionName: 'agentcore-guard-prod-remediate' }),
  );
  const untrustedAlert = lastAlert('the remediate function');

  // An agent that answers like the seed's "before" transcript: the health check's prompt probe (seed probe).
  const agent = {
    agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:${ACCOUNT}:runtime/finance_agent-AbCdE12345`,
    agentRuntimeId: 'finance_agent-AbCdE12345',
    agentRuntimeName: 'finance_agent',
    status: 'READY',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${missing}`,
  };
  agentcore.runtimes.push(agent);
  agentcore.answer = () => ({ events: streamed(SEED_BEFORE_WITH_PRODUCT) });
  const { createHealthCheckHandler, healthCheckDeps } = await import('../handlers/healthcheck/index.js');
  await createHealthCheckHandler(
    healthCheckDeps(
      loadConfig({
        ...env,
        AGENT_RUNTIME_ARNS: agent.agentRuntimeArn,
        HEALTH_PROBE: 'seed',
        PROBE_TIMEOUT_SECONDS: '10',
      }),
    ),
  )({}, lambdaContext({ functionName: 'agentcore-guard-prod-healthcheck', remainingMs: 900_000 }));
  const healthAlert = lastAlert('the health check');

  // --- The alert as a person sees it -----------------------------------------------------------------------------
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 800 }, deviceScaleFactor: 1.5 });
    const photograph = async (html: string, file: string) => {
      await page.setContent(html);
      await page.locator('#picture').screenshot({ path: join(images, file), animations: 'disabled' });
      console.log(`docs/images/${file}`);
    };
    const slack = slackPayloadFor(runtimeAlert.message.lambda ?? '', runtimeAlert.subject);
    await photograph(slackPage(slack, { channel: 'agent-platform-alerts', time: '9:00 AM' }), 'alert-slack.png');
    const unsubscribe = `https://sns.us-east-1.amazonaws.com/unsubscribe.html?SubscriptionArn=${topicArn}:…`;
    await photograph(
      emailPage({
        subject: runtimeAlert.subject,
        text: runtimeAlert.message.email ?? '',
        to: 'platform-team@example.com',
        footer: `--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${unsubscribe}`,
      }),
      'alert-email.png',
    );
  } finally {
    await browser.close();
  }

  // --- The samples in docs/alerts.md -----------------------------------------------------------------------------
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const samples: Record<string, string> = {
    'health-email': `Subject: ${healthAlert.subject}\n\n${healthAlert.message.email}`,
    'health-slack': json(slackPayloadFor(healthAlert.message.lambda ?? '', healthAlert.subject)),
    'health-chat': json(JSON.parse(healthAlert.message.https ?? '{}')),
    'runtime-email': `Subject: ${runtimeAlert.subject}\n\n${runtimeAlert.message.email}`,
    'untrusted-email': `Subject: ${untrustedAlert.subject}\n\n${untrustedAlert.message.email}`,
    'sns-keys': JSON.stringify(Object.keys(healthAlert.message)),
  };
  let doc = await readFile(alertsDoc, 'utf8');
  for (const [name, sample] of Object.entries(samples)) {
    const start = `<!-- npm run pictures: ${name} -->`;
    const end = `<!-- end ${name} -->`;
    const from = doc.indexOf(start);
    const to = doc.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/alerts.md has no ${start} … ${end} block`);
    const fence = name.endsWith('email') ? 'text' : 'json';
    doc = `${doc.slice(0, from + start.length)}\n\n\`\`\`${fence}\n${sample}\n\`\`\`\n\n${doc.slice(to)}`;
  }
  await writeFile(alertsDoc, doc);
  // Laid out as the linter wants it (biome formats Markdown tables), so a re-run leaves the file as it was.
  const format = spawnSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', alertsDoc], {
    encoding: 'utf8',
  });
  if (format.status !== 0) throw new Error(`biome format docs/alerts.md failed: ${format.stderr}`);
  console.log(`docs/alerts.md: ${Object.keys(samples).length} samples`);
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}
