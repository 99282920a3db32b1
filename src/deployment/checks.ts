import {
  type AdvancedEventSelector,
  type CloudTrailClient,
  DescribeTrailsCommand,
  type EventSelector,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { type EventBridgeClient, ListRulesCommand, type Rule } from '@aws-sdk/client-eventbridge';
import { ListSubscriptionsByTopicCommand, paginateListTopics, type SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { IAM_EVENTS_REGION } from '../aws/clients.js';
import { errorMessage, errorName } from '../aws/errors.js';

export const DEFAULT_SERVICE_NAME = 'agentcore-guard';
export const DEFAULT_STAGE = 'dev';

export interface DeploymentCheck {
  id: 'trail' | 'rules' | 'alerts-topic';
  title: string;
  ok: boolean;
  detail: string;
  /** What to run or change when the check fails. */
  fix?: string;
}

export interface DeploymentReport {
  account: string;
  stage: string;
  ok: boolean;
  checks: DeploymentCheck[];
}

export interface DeploymentDeps {
  cloudTrail: CloudTrailClient;
  eventBridge: EventBridgeClient;
  sns: SNSClient;
  sts: STSClient;
}

export interface StackNames {
  service: string;
  stage: string;
}

/** The stack's rule names, as serverless.yml names them. The reconcile schedule may be switched off. */
export function stackResourceNames({ service, stage }: StackNames) {
  const prefix = `${service}-${stage}-`;
  return {
    prefix,
    required: [`${prefix}create-role`, `${prefix}role-policy-drift`],
    alertsTopic: `${prefix}alerts`,
  };
}

/**
 * Everything the deployment needs that the stack cannot create itself, or that someone may have switched off:
 * a CloudTrail trail logging management write events in us-east-1, the stack's rules present and enabled, and
 * someone subscribed to the alerts topic. Each failed check says how to fix it.
 */
export async function checkDeployment(deps: DeploymentDeps, names: StackNames): Promise<DeploymentReport> {
  const identity = await deps.sts.send(new GetCallerIdentityCommand({}));
  const checks = [
    await settle('trail', 'CloudTrail trail records IAM write events in us-east-1', () => checkTrail(deps.cloudTrail)),
    await settle('rules', "The stack's EventBridge rules are present and enabled", () =>
      checkRules(deps.eventBridge, names),
    ),
    await settle('alerts-topic', 'The alerts topic has a confirmed subscription', () =>
      checkAlertsTopic(deps.sns, names),
    ),
  ];
  return { account: identity.Account ?? '', stage: names.stage, ok: checks.every((c) => c.ok), checks };
}

type CheckBody = Omit<DeploymentCheck, 'id' | 'title'>;

/** A check that cannot be run (access denied, API error) fails with the reason instead of stopping the others. */
async function settle(
  id: DeploymentCheck['id'],
  title: string,
  body: () => Promise<CheckBody>,
): Promise<DeploymentCheck> {
  try {
    return { id, title, ...(await body()) };
  } catch (error) {
    return {
      id,
      title,
      ok: false,
      detail: `could not check: ${errorName(error) ?? 'Error'}: ${errorMessage(error).split('\n', 1)[0]}`,
      fix: 'Run doctor with credentials that may read CloudTrail, EventBridge and SNS in us-east-1.',
    };
  }
}

/**
 * Classic selectors: management events on, and not read-only. A trail without selectors has CloudTrail's
 * default, which records all management events.
 */
function classicRecordsWrites(selectors: EventSelector[]): boolean {
  if (selectors.length === 0) return true;
  return selectors.some((s) => s.IncludeManagementEvents !== false && s.ReadWriteType !== 'ReadOnly');
}

/** Advanced selectors: a Management selector that keeps write events and does not drop IAM's event source. */
function advancedRecordsWrites(selectors: AdvancedEventSelector[]): boolean {
  return selectors.some((s) => {
    const fields = s.FieldSelectors ?? [];
    const field = (name: string) => fields.find((f) => f.Field === name);
    const category = field('eventCategory');
    if (!category?.Equals?.includes('Management')) return false;
    const readOnly = field('readOnly');
    if (readOnly?.Equals && !readOnly.Equals.includes('false')) return false;
    if (readOnly?.NotEquals?.includes('false')) return false;
    const source = field('eventSource');
    if (source?.NotEquals?.includes('iam.amazonaws.com')) return false;
    if (source?.Equals && !source.Equals.includes('iam.amazonaws.com')) return false;
    return true;
  });
}

async function checkTrail(cloudTrail: CloudTrailClient): Promise<CheckBody> {
  const { trailList = [] } = await cloudTrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  const covering = trailList.filter((t) => t.HomeRegion === IAM_EVENTS_REGION || t.IsMultiRegionTrail);
  const problems: string[] = [];
  for (const trail of covering) {
    const id = trail.TrailARN ?? trail.Name ?? '';
    const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: id }));
    const selectors = await cloudTrail.send(new GetEventSelectorsCommand({ TrailName: id }));
    const records =
      selectors.AdvancedEventSelectors && selectors.AdvancedEventSelectors.length > 0
        ? advancedRecordsWrites(selectors.AdvancedEventSelectors)
        : classicRecordsWrites(selectors.EventSelectors ?? []);
    if (status.IsLogging && records) {
      return { ok: true, detail: `trail ${trail.Name} is logging management write events` };
    }
    if (!status.IsLogging) problems.push(`${trail.Name} is not logging`);
    if (!records) problems.push(`${trail.Name} does not record management write events`);
  }
  if (covering.length === 0) {
    return {
      ok: false,
      detail: 'no trail covers us-east-1, so IAM API calls never reach EventBridge',
      fix:
        'aws cloudtrail create-trail --name management-events --s3-bucket-name <bucket> --is-multi-region-trail ' +
        '--region us-east-1 && aws cloudtrail start-logging --name management-events --region us-east-1',
    };
  }
  const first = covering[0]?.Name ?? '<trail>';
  return {
    ok: false,
    detail: problems.join('; '),
    fix:
      `aws cloudtrail start-logging --name ${first} --region us-east-1; ` +
      `aws cloudtrail put-event-selectors --trail-name ${first} --region us-east-1 ` +
      `--event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`,
  };
}

async function checkRules(eventBridge: EventBridgeClient, names: StackNames): Promise<CheckBody> {
  const expected = stackResourceNames(names);
  const rules: Rule[] = [];
  let nextToken: string | undefined;
  do {
    const page = await eventBridge.send(new ListRulesCommand({ NamePrefix: expected.prefix, NextToken: nextToken }));
    rules.push(...(page.Rules ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const missing = expected.required.filter((name) => !rules.some((r) => r.Name === name));
  const disabled = rules.filter((r) => r.State !== 'ENABLED').map((r) => r.Name ?? '');
  if (missing.length === 0 && disabled.length === 0) {
    return { ok: true, detail: `${rules.length} rules enabled: ${rules.map((r) => r.Name).join(', ')}` };
  }
  const problems = [...missing.map((n) => `${n} is missing`), ...disabled.map((n) => `${n} is disabled`)];
  const fixes = [
    ...(missing.length > 0
      ? [`deploy the stack: npx serverless deploy --stage ${names.stage} --region us-east-1`]
      : []),
    ...disabled.map((n) => `aws events enable-rule --name ${n} --region us-east-1`),
  ];
  return { ok: false, detail: problems.join('; '), fix: fixes.join('; ') };
}

async function checkAlertsTopic(sns: SNSClient, names: StackNames): Promise<CheckBody> {
  const topicName = stackResourceNames(names).alertsTopic;
  let topicArn: string | undefined;
  for await (const page of paginateListTopics({ client: sns }, {})) {
    topicArn ??= page.Topics?.find((t) => t.TopicArn?.endsWith(`:${topicName}`))?.TopicArn;
  }
  if (!topicArn) {
    return {
      ok: false,
      detail: `topic ${topicName} not found in us-east-1`,
      fix: `deploy the stack: npx serverless deploy --stage ${names.stage} --region us-east-1`,
    };
  }
  const subscriptions = [];
  let nextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }));
    subscriptions.push(...(page.Subscriptions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  // An unconfirmed subscription has no ARN yet: SNS shows "PendingConfirmation".
  const confirmed = subscriptions.filter((s) => s.SubscriptionArn?.startsWith('arn:'));
  if (confirmed.length > 0) {
    return { ok: true, detail: `${confirmed.length} confirmed subscription(s) on ${topicName}` };
  }
  const pending = subscriptions.length - confirmed.length;
  return {
    ok: false,
    detail:
      pending > 0
        ? `${pending} subscription(s) on ${topicName} wait for confirmation; alerts reach no one`
        : `no one is subscribed to ${topicName}; alerts reach no one`,
    fix:
      pending > 0
        ? 'open the confirmation e-mail from AWS Notifications and click "Confirm subscription"'
        : `npx serverless deploy --stage ${names.stage} --param alertEmail=you@example.com ` +
          `(or aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint you@example.com)`,
  };
}
