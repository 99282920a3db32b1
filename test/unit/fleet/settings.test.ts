import { describe, expect, it } from 'vitest';
import * as params from '../../../deploy/params.js';
import { memberSettings } from '../../../src/fleet/member-stack.js';
import { SETTINGS } from '../../../src/settings.js';
import { memberStackOutputs, STACK_NAME } from '../../support/fleet-fixtures.js';

/** What osls hands a resolver: the `--param` values (unset ones resolve to the `, null` fallback). */
function given(values: Record<string, string> = {}): params.ResolverContext {
  return {
    resolveVariable: async (address: string) => {
      const param = /^param:(\w+), null$/.exec(address)?.[1];
      if (param) return values[param] ?? null;
      throw new Error(`unexpected variable ${address}`);
    },
  };
}

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:agentcore-guard-central-alerts';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('the organization --params', () => {
  it('are empty unless set: no central topic, no key, no audit role, no organization condition', async () => {
    // Act
    const values = await Promise.all([
      params.centralAlertTopicArn(given()),
      params.centralAlertKeyArn(given()),
      params.auditAdministratorAccount(given()),
      params.organizationId(given()),
    ]);
    // Assess
    expect(values).toEqual(['', '', '', '']);
  });

  it('take a central topic in us-east-1 and refuse one elsewhere, where the functions cannot publish', async () => {
    // Act / Assess
    expect(await params.centralAlertTopicArn(given({ centralAlertTopicArn: TOPIC }))).toBe(TOPIC);
    await expect(
      params.centralAlertTopicArn(given({ centralAlertTopicArn: TOPIC.replace('us-east-1', 'eu-west-1') })),
    ).rejects.toThrow(/--param centralAlertTopicArn=.* is not valid: expected an SNS topic ARN in us-east-1/);
  });

  it('refuse a key without the topic it encrypts', async () => {
    // Act / Assess
    await expect(params.centralAlertTopicArn(given({ centralAlertKeyArn: KEY }))).rejects.toThrow(
      /centralAlertKeyArn=.* is not valid: expected no key without --param centralAlertTopicArn/,
    );
    expect(await params.centralAlertTopicArn(given({ centralAlertTopicArn: TOPIC, centralAlertKeyArn: KEY }))).toBe(
      TOPIC,
    );
  });

  it('refuse a key named by alias, an account id of the wrong length and an organization id of the wrong form', async () => {
    // Act / Assess
    await expect(
      params.centralAlertKeyArn(given({ centralAlertKeyArn: 'arn:aws:kms:us-east-1:111122223333:alias/alerts' })),
    ).rejects.toThrow(/expected a KMS key ARN/);
    await expect(params.auditAdministratorAccount(given({ auditAdministratorAccount: '11112222333' }))).rejects.toThrow(
      /expected a 12-digit AWS account id/,
    );
    await expect(params.organizationId(given({ organizationId: 'org-123' }))).rejects.toThrow(
      /expected an organization id/,
    );
  });

  it("give the health check's regions to the stack's output, or the stack's own region when none are set", async () => {
    // Act / Assess
    expect(await params.agentRegionsOutput(given({ agentRegions: 'us-east-1,eu-west-1' }))).toBe('us-east-1,eu-west-1');
    expect(await params.agentRegionsOutput(given())).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('the fleet settings', () => {
  it('bound the accounts audited at once to 1-32 and the remediated window to 1-90 days', () => {
    // Act / Assess
    expect(SETTINGS.fleetConcurrency.read(undefined)).toEqual({ ok: true, value: 4 });
    expect(SETTINGS.fleetConcurrency.read('33').ok).toBe(false);
    expect(SETTINGS.remediatedWindowDays.read('90')).toEqual({ ok: true, value: 90 });
    expect(SETTINGS.remediatedWindowDays.read('91').ok).toBe(false);
  });

  it("read a member stack's outputs by the functions' own rules, and name every output that is missing or bad", () => {
    // Prepare
    const outputs = memberStackOutputs({ rolePrefixes: 'Team*', customInterpreters: 'maybe' }).filter(
      (o) => o.OutputKey !== 'PolicyName',
    );
    // Act / Assess
    expect(memberSettings(STACK_NAME, memberStackOutputs({ agentRegions: 'us-east-1,eu-west-1' }))).toMatchObject({
      version: '0.1.0',
      rolePrefixes: ['AmazonBedrockAgentCoreSDKRuntime-'],
      agentRegions: ['us-east-1', 'eu-west-1'],
      customInterpreters: false,
    });
    expect(() => memberSettings(STACK_NAME, outputs)).toThrow(
      /RolePrefixes="Team\*".*no PolicyName output.*CustomInterpreters="maybe".*deploy this release to it/,
    );
  });
});
