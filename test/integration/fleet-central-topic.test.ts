import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_PUBLISHER_ROLES, centralAlertsTemplate } from '../../src/fleet/central-topic.js';
import { CFN_LINT_TIMEOUT_MS, cfnLint } from '../support/cfn-lint.js';
import { ORGANIZATION } from '../support/fleet-fixtures.js';
import {
  evaluate,
  type PolicyRequest,
  PSEUDO,
  statementsOfResourcePolicy,
  type Template,
} from '../support/template-audit.js';
import { instantiate } from '../support/template-instance.js';

/**
 * The administrator account's side of central alerts: the template `agentcore-guard fleet topic-template` prints,
 * linted as CloudFormation would take it, and its topic and key policies evaluated as deployed for one organization.
 */

const MEMBER = '210000000001';
/** The account the template is deployed in, as the audit substitutes it. */
const ADMINISTRATOR = PSEUDO['AWS::AccountId'];
const TOPIC = `\${Ref:CentralAlertsTopic}`;
const deployed = () =>
  instantiate(centralAlertsTemplate() as unknown as Template, { OrganizationId: ORGANIZATION }) as Template;

/** The roles CloudFormation makes for the member stack's functions, under a stack of either name. */
const memberRole = (logicalId: string, stack = 'agentcore-guard-dev', account = MEMBER) =>
  `arn:aws:iam::${account}:role/${stack}-${logicalId}-1A2B3C4D5E6F`;
const inOrganization = { 'aws:PrincipalOrgID': ORGANIZATION };

const topicPolicy = () => statementsOfResourcePolicy(deployed(), 'CentralAlertsTopicPolicy');
const publish = (arn: string, context?: Record<string, string>) =>
  evaluate(topicPolicy(), { action: 'sns:Publish', resource: TOPIC, principal: { arn }, context });

/** A key policy is about the key itself: its Resource "*". */
function useKey(request: Omit<PolicyRequest, 'resource'>) {
  const key = deployed().Resources.CentralAlertsKey?.Properties?.KeyPolicy;
  const wrapped = { Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { PolicyDocument: key } } } };
  return evaluate(statementsOfResourcePolicy(wrapped, 'Key'), { ...request, resource: '*' });
}

describe('the central alerts topic template', () => {
  it(
    'passes cfn-lint',
    async () => {
      // Prepare
      const dir = await mkdtemp(join(tmpdir(), 'agentcore-guard-central-'));
      const file = join(dir, 'central-alerts.json');
      await writeFile(file, JSON.stringify(centralAlertsTemplate(), null, 2));
      // Act
      const result = await cfnLint([file]).finally(() => rm(dir, { recursive: true, force: true }));
      // Assess
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
    CFN_LINT_TIMEOUT_MS,
  );

  it("lets the member stacks' alerting functions of the organization publish, under a stack of any name", () => {
    // Act
    const decisions = ALERT_PUBLISHER_ROLES.flatMap((role) => [
      publish(memberRole(role), inOrganization),
      publish(memberRole(role, 'StackSet-agentcore-guard-0a1b2c3d-4e5f'), inOrganization),
    ]);
    // Assess
    expect(decisions).toEqual(decisions.map(() => 'allowed'));
  });

  it("denies the same role names outside the organization, the members' other roles, and the administrator's own", () => {
    // Act
    const decisions = {
      outsideTheOrganization: publish(memberRole('HealthcheckRole', 'agentcore-guard-dev', '999999999999'), {
        'aws:PrincipalOrgID': 'o-someoneelse',
      }),
      noOrganizationAtAll: publish(memberRole('HealthcheckRole')),
      memberAdministrator: publish(`arn:aws:iam::${MEMBER}:role/Admin`, inOrganization),
      memberSlackNotify: publish(memberRole('SlackNotifyRole'), inOrganization),
      administratorsOwnPeople: publish(`arn:aws:iam::${ADMINISTRATOR}:role/Admin`, inOrganization),
    };
    // Assess
    expect(decisions).toEqual({
      outsideTheOrganization: 'explicitDeny',
      noOrganizationAtAll: 'explicitDeny',
      memberAdministrator: 'explicitDeny',
      memberSlackNotify: 'explicitDeny',
      administratorsOwnPeople: 'explicitDeny',
    });
  });

  it('leaves the topic to the administrator account to administer and subscribe to, and to no member', () => {
    // Act
    const administer = (arn: string, action: string) =>
      evaluate(topicPolicy(), { action, resource: TOPIC, principal: { arn }, context: inOrganization });
    // Assess
    expect(administer(`arn:aws:iam::${ADMINISTRATOR}:role/Admin`, 'sns:Subscribe')).toBe('allowed');
    expect(administer(memberRole('HealthcheckRole'), 'sns:Subscribe')).toBe('implicitDeny');
    expect(administer(memberRole('HealthcheckRole'), 'sns:SetTopicAttributes')).toBe('implicitDeny');
  });

  it("lets the same functions use the topic's key, only through SNS in the topic's region", () => {
    // Prepare
    const viaSns = { ...inOrganization, 'kms:ViaService': 'sns.us-east-1.amazonaws.com' };
    const principal = { arn: memberRole('RemediateRole') };
    // Act
    const decisions = {
      throughSns: useKey({ action: 'kms:GenerateDataKey', principal, context: viaSns }),
      decryptThroughSns: useKey({ action: 'kms:Decrypt', principal, context: viaSns }),
      directly: useKey({ action: 'kms:Decrypt', principal, context: inOrganization }),
      anotherRole: useKey({
        action: 'kms:Decrypt',
        principal: { arn: `arn:aws:iam::${MEMBER}:role/Admin` },
        context: viaSns,
      }),
      outside: useKey({
        action: 'kms:Decrypt',
        principal,
        context: { ...viaSns, 'aws:PrincipalOrgID': 'o-someoneelse' },
      }),
      administers: useKey({
        action: 'kms:PutKeyPolicy',
        principal: { arn: `arn:aws:iam::${ADMINISTRATOR}:role/Admin` },
      }),
    };
    // Assess
    expect(decisions).toEqual({
      throughSns: 'allowed',
      decryptThroughSns: 'allowed',
      directly: 'implicitDeny',
      anotherRole: 'implicitDeny',
      outside: 'implicitDeny',
      administers: 'allowed',
    });
  });
});
