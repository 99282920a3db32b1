import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertMessage, ChatNotification } from '../../../src/alerts/messages.js';
import { publishAlert } from '../../../src/alerts/publish.js';
import { formatHealthAlert } from '../../../src/health/alert.js';
import type { HealthResult } from '../../../src/health/result.js';
import { formatRoleAlert, type RoleAlert } from '../../../src/remediation/finding-alert.js';

/** A member account, and the administrator account that holds the central topic. */
const MEMBER = '210987654321';
const ADMINISTRATOR = '111122223333';
const LOCAL_TOPIC = `arn:aws:sns:us-east-1:${MEMBER}:agentcore-guard-dev-alerts`;
const CENTRAL_TOPIC = `arn:aws:sns:us-east-1:${ADMINISTRATOR}:agentcore-guard-central-alerts`;

const snsMock = mockClient(SNSClient);
const sns = new SNSClient({ region: 'us-east-1' });

const health: HealthResult = {
  agentRuntimeArn: `arn:aws:bedrock-agentcore:us-west-2:${MEMBER}:runtime/finale_agent-AbCdE12345`,
  agentName: 'finale_agent',
  region: 'us-west-2',
  roleArn: `arn:aws:iam::${MEMBER}:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-0123456789`,
  probe: 'proof',
  verdict: 'failing',
  reason: 'permission-denied',
  detail: 'The role may not start a Code Interpreter session.',
  excerpt: '',
  checkedAt: '2026-11-26T09:00:00.000Z',
  durationMs: 1_000,
};

const roleAlert = (problem: RoleAlert['problem']): RoleAlert => ({
  problem,
  roleName: 'AmazonBedrockAgentCoreSDKRuntime-us-east-1-abcdef0123',
  roleArn: `arn:aws:iam::${MEMBER}:role/AmazonBedrockAgentCoreSDKRuntime-us-east-1-abcdef0123`,
  roleId: 'AROAEXAMPLEROLEID000',
  detail: 'its trust policy also lets AWS "arn:aws:iam::999999999999:root" assume it',
});

/** Every alert the functions send today: each health kind, each role problem. */
const EVERY_ALERT: [string, AlertMessage][] = [
  ...(['failing', 'reminder', 'recovered'] as const).map((kind): [string, AlertMessage] => [
    `health ${kind}`,
    formatHealthAlert(kind, health),
  ]),
  ...(['untrusted', 'unsupported-path', 'no-room'] as const).map((problem): [string, AlertMessage] => [
    `role ${problem}`,
    formatRoleAlert('failing', roleAlert(problem)),
  ]),
];

/** What SNS was asked to publish: the subject, every protocol's body, the attributes. */
function published(): { input: PublishCommandInput; text: string; chat: ChatNotification } {
  const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input as PublishCommandInput;
  const bodies = JSON.parse(input.Message ?? '{}') as Record<string, string>;
  return { input, text: bodies.email ?? '', chat: JSON.parse(bodies.https ?? '{}') as ChatNotification };
}

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('an alert names the account it comes from', () => {
  it.each(EVERY_ALERT)('%s: in its text, its chat context, its keywords and a message attribute', async (_, alert) => {
    // Act
    await publishAlert(sns, LOCAL_TOPIC, alert);
    // Assess
    const { input, text, chat } = published();
    expect(text.split('\n')[1]).toBe(`Account: ${MEMBER}`);
    expect(chat.metadata.additionalContext.account).toBe(MEMBER);
    expect(chat.content.keywords).toContain(MEMBER);
    expect(chat.content.description).toContain(`Account: \`${MEMBER}\``);
    expect(input.MessageAttributes?.account).toEqual({ DataType: 'String', StringValue: MEMBER });
  });

  it('keeps the subject and the chat thread as they were on the account’s own topic', async () => {
    // Prepare
    const alert = formatHealthAlert('failing', health);
    // Act
    await publishAlert(sns, LOCAL_TOPIC, alert);
    // Assess
    const { input, chat } = published();
    expect(input.Subject).toBe(alert.subject);
    expect(chat.metadata.threadId).toBe(alert.chat.metadata.threadId);
  });

  it('puts the account in the subject and the thread when the topic is another account’s (central)', async () => {
    // Prepare
    const alert = formatHealthAlert('failing', health);
    // Act
    await publishAlert(sns, CENTRAL_TOPIC, alert);
    // Assess
    const { input, chat } = published();
    expect(input.Subject).toBe(`[agentcore-guard ${MEMBER}] FAILING: finale_agent (permission-denied)`);
    expect(chat.metadata.threadId).toBe(`${alert.chat.metadata.threadId}-${MEMBER}`);
  });

  it('keeps two accounts’ roles of one name in two threads on a central topic', async () => {
    // Prepare
    const other = '444455556666';
    const theirs = roleAlert('untrusted');
    const twin = { ...theirs, roleArn: theirs.roleArn.replace(MEMBER, other) };
    // Act
    await publishAlert(sns, CENTRAL_TOPIC, formatRoleAlert('failing', theirs));
    await publishAlert(sns, CENTRAL_TOPIC, formatRoleAlert('failing', twin));
    // Assess
    const threads = snsMock
      .commandCalls(PublishCommand)
      .map((call) => (JSON.parse(JSON.parse(call.args[0].input.Message ?? '{}').https) as ChatNotification).metadata);
    expect(threads[0]?.threadId).not.toBe(threads[1]?.threadId);
  });

  it('keeps a long subject within SNS’s 100 printable characters once the account is in it', async () => {
    // Act
    await publishAlert(sns, CENTRAL_TOPIC, formatHealthAlert('failing', { ...health, agentName: 'a'.repeat(120) }));
    // Assess
    const subject = published().input.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject.startsWith(`[agentcore-guard ${MEMBER}] `)).toBe(true);
  });

  it('publishes an alert about something without an account as it is, with no account attribute', async () => {
    // Prepare
    const alert = { ...formatHealthAlert('failing', health), about: 'not-an-arn' };
    // Act
    await publishAlert(sns, CENTRAL_TOPIC, alert);
    // Assess
    const { input, text } = published();
    expect(text).toBe(alert.text);
    expect(input.MessageAttributes?.account).toBeUndefined();
  });
});
