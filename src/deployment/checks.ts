import { isDeepStrictEqual } from 'node:util';
import {
  type AdvancedEventSelector,
  type CloudTrailClient,
  DescribeTrailsCommand,
  type EventSelector,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeRuleCommand,
  type EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
  type Rule,
} from '@aws-sdk/client-eventbridge';
import {
  NotFoundException,
  paginateListSubscriptionsByTopic,
  paginateListTopics,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { parse as parseArn } from '@aws-sdk/util-arn-parser';
import { errorMessage, errorName } from '../aws/errors.js';
import { HOME_REGION, RUNTIME_EVENTS, runtimeEventPattern } from '../settings.js';
import { deployForwardersCommand, type ForwarderScope, forwarderNames, homeBusArn } from './forwarders.js';

export interface DeploymentCheck {
  id: 'trail' | 'rules' | 'alerts-topic' | 'forwarder';
  /** Where it looked: the home region, or a region agents run in. */
  region: string;
  title: string;
  ok: boolean;
  detail: string;
  /** What to run or change when the check fails. */
  fix?: string;
}

export interface DeploymentReport {
  account: string;
  stage: string;
  /** The home region first, then the other regions agents run in. */
  regions: string[];
  ok: boolean;
  checks: DeploymentCheck[];
}

/** Clients per region: the checks look in the home region and in every region agents run in. */
export interface DeploymentDeps {
  cloudTrail(region: string): CloudTrailClient;
  eventBridge(region: string): EventBridgeClient;
  sns(region: string): SNSClient;
  sts: STSClient;
}

export interface StackNames {
  service: string;
  stage: string;
}

export interface DeploymentScope extends StackNames {
  /** The regions agents run in (the stack's agentRegions); the home region is always checked. */
  agentRegions?: readonly string[];
}

const IAM_EVENT_SOURCE = 'iam.amazonaws.com';

/** The stack's rule names, as serverless.yml names them. The reconcile schedule may be switched off. */
export function stackResourceNames({ service, stage }: StackNames) {
  const prefix = `${service}-${stage}-`;
  return {
    prefix,
    required: [`${prefix}create-role`, `${prefix}role-policy-drift`, `${prefix}runtime-change`],
    alertsTopic: `${prefix}alerts`,
  };
}

/**
 * Everything the deployment needs that the stack cannot create itself, or that someone may have switched off.
 * In us-east-1: a CloudTrail trail logging management write events (IAM's and AgentCore's), the stack's rules present
 * and enabled, and someone subscribed to the alerts topic. In every other region agents run in: a trail recording
 * AgentCore's write events there, and the forwarder that sends them to us-east-1. Each failed check says how to fix it.
 */
export async function checkDeployment(deps: DeploymentDeps, scope: DeploymentScope): Promise<DeploymentReport> {
  const identity = await deps.sts.send(new GetCallerIdentityCommand({}));
  const account = identity.Account ?? '';
  const partition = identity.Arn ? parseArn(identity.Arn).partition : 'aws';
  const others = [...new Set(scope.agentRegions ?? [])].filter((region) => region !== HOME_REGION);
  const home = [
    await settle(
      'trail',
      HOME_REGION,
      `CloudTrail trail records IAM and AgentCore write events in ${HOME_REGION}`,
      () => checkTrail(deps, HOME_REGION, [IAM_EVENT_SOURCE, RUNTIME_EVENTS.eventSource]),
    ),
    await settle('rules', HOME_REGION, "The stack's EventBridge rules are present and enabled", () =>
      checkRules(deps.eventBridge(HOME_REGION), scope),
    ),
    await settle('alerts-topic', HOME_REGION, 'The alerts topic has a confirmed subscription', () =>
      checkAlertsTopic(deps.sns(HOME_REGION), scope),
    ),
  ];
  // The regions are independent of one another: looked at together.
  const regional = await Promise.all(
    others.map(async (region) => [
      await settle('trail', region, `CloudTrail trail records AgentCore write events in ${region}`, () =>
        checkTrail(deps, region, [RUNTIME_EVENTS.eventSource]),
      ),
      await settle('forwarder', region, `Runtime events of ${region} are forwarded to ${HOME_REGION}`, () =>
        checkForwarder(deps, { service: scope.service, stage: scope.stage, region }, account, partition),
      ),
    ]),
  );
  const checks = [...home, ...regional.flat()];
  return {
    account,
    stage: scope.stage,
    regions: [HOME_REGION, ...others],
    ok: checks.every((c) => c.ok),
    checks,
  };
}

type CheckBody = Omit<DeploymentCheck, 'id' | 'region' | 'title'>;

/** A check that cannot be run (access denied, API error) fails with the reason instead of stopping the others. */
async function settle(
  id: DeploymentCheck['id'],
  region: string,
  title: string,
  body: () => Promise<CheckBody>,
): Promise<DeploymentCheck> {
  try {
    return { id, region, title, ...(await body()) };
  } catch (error) {
    return {
      id,
      region,
      title,
      ok: false,
      detail: `could not check: ${errorName(error) ?? 'Error'}: ${errorMessage(error).split('\n', 1)[0]}`,
      fix: `Run doctor with credentials that may read CloudTrail, EventBridge and SNS in ${region}.`,
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

/** Advanced selectors: a Management selector that keeps write events and does not drop the event source. */
function advancedRecordsWrites(selectors: AdvancedEventSelector[], eventSource: string): boolean {
  return selectors.some((s) => {
    const fields = s.FieldSelectors ?? [];
    const field = (name: string) => fields.find((f) => f.Field === name);
    const category = field('eventCategory');
    if (!category?.Equals?.includes('Management')) return false;
    const readOnly = field('readOnly');
    if (readOnly?.Equals && !readOnly.Equals.includes('false')) return false;
    if (readOnly?.NotEquals?.includes('false')) return false;
    const source = field('eventSource');
    if (source?.NotEquals?.includes(eventSource)) return false;
    if (source?.Equals && !source.Equals.includes(eventSource)) return false;
    return true;
  });
}

/**
 * A trail that covers `region` (one of its own, or a multi-region trail), is logging, and records the management write
 * events of every one of `eventSources`. A trail is read in its home region, where its status and selectors live.
 */
async function checkTrail(deps: DeploymentDeps, region: string, eventSources: readonly string[]): Promise<CheckBody> {
  const { trailList = [] } = await deps
    .cloudTrail(region)
    .send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  const covering = trailList.filter((t) => t.HomeRegion === region || t.IsMultiRegionTrail);
  const problems: string[] = [];
  for (const trail of covering) {
    const id = trail.TrailARN ?? trail.Name ?? '';
    const cloudTrail = deps.cloudTrail(trail.HomeRegion ?? region);
    const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: id }));
    const selectors = await cloudTrail.send(new GetEventSelectorsCommand({ TrailName: id }));
    const advanced = selectors.AdvancedEventSelectors ?? [];
    const missing = eventSources.filter((source) =>
      advanced.length > 0
        ? !advancedRecordsWrites(advanced, source)
        : !classicRecordsWrites(selectors.EventSelectors ?? []),
    );
    if (status.IsLogging && missing.length === 0) {
      return { ok: true, detail: `trail ${trail.Name} is logging management write events` };
    }
    if (!status.IsLogging) problems.push(`${trail.Name} is not logging`);
    if (missing.length === eventSources.length) problems.push(`${trail.Name} does not record management write events`);
    else if (missing.length > 0)
      problems.push(`${trail.Name} does not record management write events of ${missing.join(', ')}`);
  }
  const calls = eventSources.includes(IAM_EVENT_SOURCE) ? 'IAM and AgentCore API calls' : 'AgentCore API calls';
  if (covering.length === 0) {
    return {
      ok: false,
      detail: `no trail covers ${region}, so ${calls} there never reach EventBridge`,
      fix:
        'aws cloudtrail create-trail --name management-events --s3-bucket-name <bucket> --is-multi-region-trail ' +
        `--region ${HOME_REGION} && aws cloudtrail start-logging --name management-events --region ${HOME_REGION}` +
        (region === HOME_REGION
          ? ''
          : ` (or make an existing trail multi-region: aws cloudtrail update-trail --name <trail> --is-multi-region-trail --region <its home region>)`),
    };
  }
  const first = covering[0];
  const name = first?.Name ?? '<trail>';
  const trailRegion = first?.HomeRegion ?? region;
  return {
    ok: false,
    detail: problems.join('; '),
    fix:
      `aws cloudtrail start-logging --name ${name} --region ${trailRegion}; ` +
      `aws cloudtrail put-event-selectors --trail-name ${name} --region ${trailRegion} ` +
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
  const { confirmed, pending } = await subscriptionsOf(sns, topicArn);
  if (confirmed > 0) {
    return { ok: true, detail: `${confirmed} confirmed subscription(s) on ${topicName}` };
  }
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

/** How many subscriptions of a topic are confirmed, and how many wait for confirmation. */
async function subscriptionsOf(sns: SNSClient, topicArn: string): Promise<{ confirmed: number; pending: number }> {
  let confirmed = 0;
  let pending = 0;
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn })) {
    for (const subscription of page.Subscriptions ?? []) {
      // An unconfirmed subscription has no ARN yet: SNS shows "PendingConfirmation".
      if (subscription.SubscriptionArn?.startsWith('arn:')) confirmed += 1;
      else pending += 1;
    }
  }
  return { confirmed, pending };
}

/**
 * The region's forwarder: its rule present, enabled, matching this version's runtime-event pattern and sending to the
 * home region's default bus, and its dead-letter alarm reaching someone.
 */
async function checkForwarder(
  deps: DeploymentDeps,
  scope: ForwarderScope,
  account: string,
  partition: string,
): Promise<CheckBody> {
  const { region } = scope;
  const names = forwarderNames(scope);
  const deploy = deployForwardersCommand(scope, [region]);
  const eventBridge = deps.eventBridge(region);
  let rule: { State?: string; EventPattern?: string };
  try {
    rule = await eventBridge.send(new DescribeRuleCommand({ Name: names.rule }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    return {
      ok: false,
      detail: `no forwarder rule ${names.rule} in ${region}: runtimes created or updated there are never seen`,
      fix: deploy,
    };
  }
  const problems: string[] = [];
  const fixes = new Set<string>();
  if (rule.State !== 'ENABLED') {
    problems.push(`${names.rule} is disabled`);
    fixes.add(`aws events enable-rule --name ${names.rule} --region ${region}`);
  }
  if (!isDeepStrictEqual(JSON.parse(rule.EventPattern ?? '{}'), runtimeEventPattern(account))) {
    problems.push(`${names.rule} does not match this version's runtime events`);
    fixes.add(deploy);
  }
  const bus = homeBusArn(partition, account);
  const { Targets = [] } = await eventBridge.send(new ListTargetsByRuleCommand({ Rule: names.rule }));
  if (!Targets.some((target) => target.Arn === bus)) {
    problems.push(`${names.rule} does not send to ${bus}`);
    fixes.add(deploy);
  }
  const topicArn = `arn:${partition}:sns:${region}:${account}:${names.alarmTopic}`;
  const alarmReach = await subscriptionsOf(deps.sns(region), topicArn).catch((error: unknown) => {
    if (error instanceof NotFoundException) return undefined;
    throw error;
  });
  if (!alarmReach) {
    problems.push(`its alarm topic ${names.alarmTopic} is missing`);
    fixes.add(deploy);
  } else if (alarmReach.confirmed === 0) {
    problems.push(
      alarmReach.pending > 0
        ? `the subscription to ${names.alarmTopic} waits for confirmation: an event that cannot be forwarded reaches no one`
        : `no one is subscribed to ${names.alarmTopic}: an event that cannot be forwarded reaches no one`,
    );
    fixes.add(
      alarmReach.pending > 0
        ? 'open the confirmation e-mail from AWS Notifications and click "Confirm subscription"'
        : deployForwardersCommand(scope, [region], { alertEmail: true }),
    );
  }
  if (problems.length === 0) {
    return { ok: true, detail: `${names.rule} is enabled and sends to ${bus}` };
  }
  return { ok: false, detail: problems.join('; '), fix: [...fixes].join('; ') };
}
