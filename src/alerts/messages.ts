import { parse } from '@aws-sdk/util-arn-parser';

export const ALERT_KINDS = ['failing', 'recovered', 'reminder'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * The "Amazon Q Developer in chat applications" (formerly AWS Chatbot) custom notification schema:
 * `version` must be "1.0", `source` must be "custom"; `textType` "client-markdown" renders in the chat
 * platform's own markdown (Slack mrkdwn); `metadata.threadId` groups updates for one agent in one thread.
 */
export interface ChatNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

export interface AlertMessage {
  kind: AlertKind;
  /** The alert state's key: what this alert is about (an agent runtime ARN, a role ARN). */
  about: string;
  /** Set by `namedForAccount` once the layouts name the account the alert comes from. */
  account?: string;
  /** Email subject: at most 100 printable ASCII characters (SNS's limit). */
  subject: string;
  /** Plain text for email. */
  text: string;
  chat: ChatNotification;
}

export interface AlertContext {
  /** When the current state began (failing since / healthy since). */
  since?: string;
  /** Only for `recovered`: what it was failing with. */
  previousReason?: string;
}

/** What an alert says, before it is laid out for e-mail and for chat. */
export interface AlertContent {
  kind: AlertKind;
  /** The alert state's key. */
  about: string;
  /** The e-mail subject reads `[agentcore-guard] <label>: <name>`. */
  label: string;
  name: string;
  headline: string;
  /** Label and value, shown as an aligned list; undefined values are left out. */
  facts: [string, string | undefined][];
  /** What happened, one or two sentences. */
  what: string;
  /** Verbatim blocks a person copies: a policy document, a command. */
  blocks?: { title: string; body: string }[];
  nextSteps: string[];
  /** The last line of the e-mail: when the reader will hear of this again. */
  closing: string;
  /** Groups the chat thread: an ARN. */
  thread: string;
  eventType: string;
  keywords: string[];
  relatedResources: string[];
  additionalContext: Record<string, string>;
}

/** Lays an alert out as plain text (e-mail) and as the chat notification, from one description. */
export function composeAlert(content: AlertContent): AlertMessage {
  const facts = content.facts.filter((f): f is [string, string] => Boolean(f[1]));
  const width = Math.max(0, ...facts.map(([k]) => k.length)) + 2;
  const blocks = content.blocks ?? [];
  const text = [
    `agentcore-guard: ${content.headline}`,
    '',
    ...facts.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`),
    '',
    'What happened:',
    `  ${content.what}`,
    ...blocks.flatMap((b) => ['', `${b.title}:`, ...b.body.split('\n').map((line) => `  ${line}`)]),
    '',
    'Next steps:',
    ...content.nextSteps.map((step) => `  - ${step}`),
    '',
    content.closing,
  ].join('\n');
  const description = [
    `*${escapeMrkdwn(content.what)}*`,
    ...facts.map(([k, v]) => `${k}: \`${escapeMrkdwn(v)}\``),
    ...blocks.map((b) => `${b.title}:\n\`\`\`${escapeMrkdwn(b.body)}\`\`\``),
  ].join('\n');
  const icon = content.kind === 'recovered' ? ':large_green_circle:' : ':red_circle:';
  return {
    kind: content.kind,
    about: content.about,
    subject: asciiSubject(`[agentcore-guard] ${content.label}: ${content.name}`),
    text,
    chat: {
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: `${icon} ${content.headline}`,
        description,
        nextSteps: content.nextSteps,
        keywords: content.keywords,
      },
      metadata: {
        threadId: threadIdFor(content.thread),
        summary: content.headline,
        eventType: content.eventType,
        relatedResources: content.relatedResources,
        additionalContext: { kind: content.kind, ...content.additionalContext },
      },
    },
  };
}

/**
 * One SNS message for every subscriber (`MessageStructure: 'json'`): SNS hands each protocol its own key and
 * falls back to `default`. People read `default` and `email`: plain text (and a one-line `sms`). The chat
 * application (Amazon Q Developer in chat applications) subscribes with protocol `https` and the optional
 * slack-notify Lambda with protocol `lambda`: both get the custom notification JSON, and so do queues (`sqs`),
 * which are for programs.
 */
export function snsMessage(alert: AlertMessage): string {
  const chat = JSON.stringify(alert.chat);
  return JSON.stringify({
    default: alert.text,
    email: alert.text,
    sms: alert.subject,
    https: chat,
    lambda: chat,
    sqs: chat,
  });
}

/** Stable per subject (an agent runtime or role ARN), so a chat channel keeps one thread for it across alerts. */
export function threadIdFor(arn: string): string {
  const { region, resource } = parse(arn);
  return `agentcore-guard-${region || 'global'}-${resource.replace(/^(runtime|role)\//, '')}`;
}

/**
 * The account an alert comes from: that of the ARN it is about (a runtime or a role, as AWS itself described it).
 * Undefined when `about` is not an ARN with an account.
 */
export function accountOf(alert: Pick<AlertMessage, 'about'>): string | undefined {
  try {
    const { accountId } = parse(alert.about);
    return /^\d{12}$/.test(accountId) ? accountId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names the account in every layout of an alert, so that a reader of a topic many accounts publish to knows whose it
 * is: a line under the plain text's headline, the chat description, its keywords and context. `leavesAccount` (the
 * topic is another account's, a central one) puts it in the e-mail subject and the chat thread too: there, two
 * accounts' roles of one name (the toolkit derives role names from agent names) must not share a thread. On the
 * account's own topic those two stay as they were, so existing subscribers' filters and threads keep working.
 */
export function namedForAccount(
  alert: AlertMessage,
  account: string,
  { leavesAccount }: { leavesAccount: boolean },
): AlertMessage {
  if (alert.account === account) return alert;
  const [headline = '', ...rest] = alert.text.split('\n');
  const { content, metadata } = alert.chat;
  return {
    ...alert,
    account,
    subject: leavesAccount
      ? asciiSubject(
          alert.subject.startsWith(SUBJECT_TAG)
            ? `[agentcore-guard ${account}]${alert.subject.slice(SUBJECT_TAG.length)}`
            : `[${account}] ${alert.subject}`,
        )
      : alert.subject,
    text: [headline, `Account: ${account}`, ...rest].join('\n'),
    chat: {
      ...alert.chat,
      content: {
        ...content,
        description: `${content.description}\nAccount: \`${account}\``,
        keywords: [...(content.keywords ?? []), account],
      },
      metadata: {
        ...metadata,
        threadId: leavesAccount ? `${metadata.threadId}-${account}` : metadata.threadId,
        additionalContext: { ...metadata.additionalContext, account },
      },
    },
  };
}

const SUBJECT_TAG = '[agentcore-guard]';

/** An e-mail subject SNS accepts: printable ASCII, at most 100 characters. */
export function asciiSubject(s: string): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

/** An agent's words must not become `<!channel>` pings or links in chat: escape Slack's control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
