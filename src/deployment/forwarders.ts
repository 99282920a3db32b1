/**
 * The runtime-event forwarders: one small stack in each region agents run in, other than the home region, whose rule
 * sends AgentCore's CreateAgentRuntime / UpdateAgentRuntime events to the home region's default bus.
 *
 * What they are called, once, for the template (given CloudFormation `${...}` placeholders), the deploy and remove
 * commands, and `doctor` (given real values). A leaf module: packaging code loads it without the SDK.
 */
import { HOME_REGION } from '../settings.js';

export interface ForwarderScope {
  service: string;
  stage: string;
  /** The forwarder's own region (not the home region). */
  region: string;
}

/**
 * Regional resources share one name per stage (names are per region); the role's name carries the region as well,
 * since IAM is global and the forwarders of several regions live side by side.
 */
export function forwarderNames({ service, stage, region }: ForwarderScope) {
  const base = `${service}-${stage}-runtime-forwarder`;
  return {
    stack: base,
    rule: base,
    role: `${service}-${stage}-forwarder-${region}`,
    deadLetterQueue: `${base}-dead-letter`,
    alarm: `${base}-dead-letters`,
    alarmTopic: `${base}-alarms`,
  };
}

/** IAM's limit on a role name: the longest service, stage and region that fit are checked before deploying. */
export const ROLE_NAME_MAX_LENGTH = 64;

/** The bus forwarded events go to: the home region's default bus, in this account. */
export const homeBusArn = (partition: string, account: string, homeRegion: string = HOME_REGION): string =>
  `arn:${partition}:events:${homeRegion}:${account}:event-bus/default`;

/**
 * The documented command that deploys (or updates) the forwarders of some regions, run from a checkout of
 * agentcore-guard. An update keeps the alert e-mail the stack has unless one is named.
 */
export function deployForwardersCommand(
  { service, stage }: Pick<ForwarderScope, 'service' | 'stage'>,
  regions: readonly string[],
  options: { alertEmail?: boolean } = {},
): string {
  return [
    `npm run deploy:forwarders -- --stage ${stage} --regions ${regions.join(',')}`,
    ...(service === 'agentcore-guard' ? [] : [`--service ${service}`]),
    ...(options.alertEmail ? ['--alert-email you@example.com'] : []),
  ].join(' ');
}
