import { describe, expect, it } from 'vitest';
import * as params from '../../../deploy/params.js';
import { ConfigError, loadConfig } from '../../../src/config.js';

/** What osls hands a resolver: `--param` values (unset ones resolve to the `, null` fallback), service and stage. */
function given(values: Record<string, string> = {}): params.ResolverContext {
  return {
    resolveVariable: async (address: string) => {
      const param = /^param:(\w+), null$/.exec(address)?.[1];
      if (param) return values[param] ?? null;
      if (address === 'self:service') return 'agentcore-guard';
      if (address === 'sls:stage') return 'dev';
      throw new Error(`unexpected variable ${address}`);
    },
  };
}

const PREFIXES = 'AmazonBedrockAgentCoreSDKRuntime-,TeamAgents-';

describe('role-prefix resolvers', () => {
  it('give one EventBridge prefix filter per configured prefix', async () => {
    // Act
    const patterns = await params.roleNamePatterns(given({ rolePrefixes: PREFIXES }));
    // Assess
    expect(patterns).toEqual([{ prefix: 'AmazonBedrockAgentCoreSDKRuntime-' }, { prefix: 'TeamAgents-' }]);
  });

  it('give one IAM role ARN per prefix, in this account and partition', async () => {
    // Act
    const arns = await params.roleArns(given({ rolePrefixes: PREFIXES }));
    // Assess
    expect(arns).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/AmazonBedrockAgentCoreSDKRuntime-*` },
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/TeamAgents-*` },
    ]);
  });

  it("default to the starter toolkit's prefix", async () => {
    // Act / Assess
    expect(await params.rolePrefixesCsv(given())).toBe('AmazonBedrockAgentCoreSDKRuntime-');
  });

  it('reject a wildcard prefix, saying what a prefix may hold', async () => {
    // Act / Assess
    await expect(params.roleArns(given({ rolePrefixes: 'Team*' }))).rejects.toThrow(
      '--param rolePrefixes="Team*" is not valid: expected a comma-separated list of IAM role-name prefixes',
    );
  });
});

describe('the reconcile schedule resolver', () => {
  it('schedules reconcile every 6 hours by default', async () => {
    // Act
    const events = await params.reconcileEvents(given());
    // Assess
    expect(events).toEqual([
      {
        schedule: {
          name: 'agentcore-guard-dev-reconcile',
          description: expect.any(String),
          rate: ['rate(6 hours)'],
        },
      },
    ]);
  });

  it.each(['off', 'OFF', 'none', 'disabled', 'false'])('leaves the schedule out for %s', async (off) => {
    // Act / Assess
    expect(await params.reconcileEvents(given({ reconcileSchedule: off }))).toEqual([]);
  });

  it('rejects a value that is not a schedule expression, saying what it expects', async () => {
    // Act / Assess
    await expect(params.reconcileEvents(given({ reconcileSchedule: 'every 6 hours' }))).rejects.toThrow(
      '--param reconcileSchedule="every 6 hours" is not valid: expected rate(<n> minutes|hours|days), cron(<expression>), or off.',
    );
  });
});

describe('the health schedule resolver', () => {
  it('runs hourly by default and takes a cron expression', async () => {
    // Act / Assess
    expect(await params.healthSchedule(given())).toBe('rate(1 hour)');
    expect(await params.healthSchedule(given({ healthSchedule: 'cron(0 */2 * * ? *)' }))).toBe('cron(0 */2 * * ? *)');
  });

  it('applies the same rule as the reconcile schedule, without "off"', async () => {
    // Act / Assess
    await expect(params.healthSchedule(given({ healthSchedule: 'rate(0 minutes)' }))).rejects.toThrow(
      /--param healthSchedule="rate\(0 minutes\)" is not valid/,
    );
    await expect(params.reconcileEvents(given({ reconcileSchedule: 'rate(0 minutes)' }))).rejects.toThrow(
      /--param reconcileSchedule="rate\(0 minutes\)" is not valid/,
    );
    await expect(params.healthSchedule(given({ healthSchedule: 'off' }))).rejects.toThrow(/healthSchedule="off"/);
  });
});

describe('the healthcheck schedules', () => {
  it('probe permissions hourly and prompts daily by default, each telling the function its tier', async () => {
    // Act
    const events = await params.healthcheckEvents(given());
    // Assess
    expect(events).toEqual([
      {
        schedule: {
          name: 'agentcore-guard-dev-healthcheck',
          description: expect.any(String),
          rate: ['rate(1 hour)'],
          input: { probes: 'permission' },
        },
      },
      {
        schedule: {
          name: 'agentcore-guard-dev-healthcheck-prompt',
          description: expect.any(String),
          rate: ['rate(1 day)'],
          input: { probes: 'all' },
        },
      },
    ]);
  });

  it('take the prompt schedule from --param promptSchedule', async () => {
    // Act
    const events = await params.healthcheckEvents(given({ promptSchedule: 'cron(0 6 ? * MON-FRI *)' }));
    // Assess
    expect(events.map((e) => [e.schedule.rate, e.schedule.input])).toEqual([
      [['rate(1 hour)'], { probes: 'permission' }],
      [['cron(0 6 ? * MON-FRI *)'], { probes: 'all' }],
    ]);
  });

  it.each(['off', 'none', 'Disabled'])(
    'send no prompt at all with promptSchedule=%s, keeping the hourly permission probe',
    async (off) => {
      // Act
      const events = await params.healthcheckEvents(given({ promptSchedule: off }));
      // Assess
      expect(events.map((e) => e.schedule.input)).toEqual([{ probes: 'permission' }]);
    },
  );

  it('reject a prompt schedule that is not a schedule expression, saying what it expects', async () => {
    // Act / Assess
    await expect(params.healthcheckEvents(given({ promptSchedule: 'daily' }))).rejects.toThrow(
      '--param promptSchedule="daily" is not valid: expected rate(<n> minutes|hours|days), cron(<expression>), or off.',
    );
  });
});

describe('numeric resolvers', () => {
  it('give the sweep concurrency 4 by default and accept 1 to 99', async () => {
    // Act / Assess
    expect(await params.reconcileConcurrency(given())).toBe('4');
    expect(await params.reconcileConcurrency(given({ reconcileConcurrency: '99' }))).toBe('99');
    await expect(params.reconcileConcurrency(given({ reconcileConcurrency: '100' }))).rejects.toThrow(
      'expected a whole number from 1 to 99',
    );
  });

  it('cap the probe timeout at 600 s, which leaves the 900 s health check room for the rest', async () => {
    // Act / Assess
    expect(await params.probeTimeoutSeconds(given({ probeTimeoutSeconds: '600' }))).toBe('600');
    await expect(params.probeTimeoutSeconds(given({ probeTimeoutSeconds: '601' }))).rejects.toThrow(
      'expected a whole number from 1 to 600',
    );
  });
});

describe('the remediate reserved concurrency resolver', () => {
  it('reserves 5 by default', async () => {
    // Act / Assess
    expect(await params.remediateReservedConcurrency(given())).toBe('5');
  });

  it('gives "off" for any off spelling, for accounts that cannot reserve any', async () => {
    // Act / Assess
    expect(await params.remediateReservedConcurrency(given({ remediateReservedConcurrency: 'None' }))).toBe('off');
  });

  it('refuses 0, which would stop the function instead of leaving it unreserved', async () => {
    // Act / Assess
    await expect(params.remediateReservedConcurrency(given({ remediateReservedConcurrency: '0' }))).rejects.toThrow(
      'expected a whole number from 1 to 1000, or off',
    );
  });
});

describe('the health probe resolver', () => {
  it('rejects a custom probe without its prompt, saying what it expects', async () => {
    // Act / Assess
    await expect(params.healthProbe(given({ healthProbe: 'custom' }))).rejects.toThrow(
      '--param healthPrompt="" is not valid: expected the custom probe prompt.',
    );
  });

  it('rejects a custom probe whose pattern is not a regular expression', async () => {
    // Act / Assess
    await expect(
      params.healthProbe(given({ healthProbe: 'custom', healthPrompt: 'What is 2**10?', healthExpect: '(' })),
    ).rejects.toThrow('--param healthExpect="(" is not valid: expected a regular expression.');
  });

  it('accepts a custom probe with both', async () => {
    // Act / Assess
    expect(
      await params.healthProbe(given({ healthProbe: 'custom', healthPrompt: 'What is 2**10?', healthExpect: '1024' })),
    ).toBe('custom');
  });
});

describe('booleans and text', () => {
  it('normalise every boolean spelling to true or false', async () => {
    // Act / Assess
    expect(await params.selfHeal(given({ selfHeal: 'No' }))).toBe('false');
    expect(await params.directProbe(given({ directProbe: '1' }))).toBe('true');
    expect(await params.customInterpreters(given())).toBe('false');
    await expect(params.dryRun(given({ dryRun: 'maybe' }))).rejects.toThrow('expected true or false');
  });

  it('check the alert e-mail and give its rule to CloudFormation as an AllowedPattern, empty allowed', async () => {
    // Prepare
    const allowed = new RegExp(await params.alertEmailAllowedPattern());
    // Act / Assess
    await expect(params.alertEmail(given({ alertEmail: 'platform-team.example.com' }))).rejects.toThrow(
      'expected one e-mail address',
    );
    expect(await params.alertEmail(given())).toBe('');
    expect(['', 'platform-team@example.com'].every((v) => allowed.test(v))).toBe(true);
    expect(allowed.test('platform-team.example.com')).toBe(false);
  });

  it('check the Slack webhook parameter name, empty allowed', async () => {
    // Act / Assess
    expect(await params.slackWebhookParameter(given({ slackWebhookParameter: '/agentcore-guard/slack' }))).toBe(
      '/agentcore-guard/slack',
    );
    await expect(params.slackWebhookParameter(given({ slackWebhookParameter: 'a b' }))).rejects.toThrow(
      'expected an SSM parameter name',
    );
  });
});

/** A --param and the environment variable the functions read for it. */
const SAME_SETTING = [
  ['rolePrefixes', 'ROLE_PREFIXES', params.rolePrefixesCsv],
  ['policyProfile', 'POLICY_PROFILE', params.policyProfile],
  ['policyName', 'POLICY_NAME', params.policyName],
  ['reconcileConcurrency', 'SWEEP_CONCURRENCY', params.reconcileConcurrency],
  ['probeTimeoutSeconds', 'PROBE_TIMEOUT_SECONDS', params.probeTimeoutSeconds],
  ['agentRegions', 'AGENT_REGIONS', params.agentRegionsCsv],
  ['slackWebhookParameter', 'SLACK_WEBHOOK_PARAMETER', params.slackWebhookParameter],
  ['selfHeal', 'SELF_HEAL', params.selfHeal],
] as const;

const SAMPLES = [
  'AmazonBedrockAgentCoreSDKRuntime-',
  'Team,Agents-',
  'Team*',
  'a'.repeat(65),
  'seed',
  'admin',
  '0',
  '4',
  '99',
  '100',
  '600',
  '601',
  'us-east-1',
  'US-EAST-1',
  '/agentcore-guard/slack',
  'a b',
  'yes',
  'maybe',
];

describe('packaging and the functions', () => {
  it.each(SAME_SETTING)('accept and refuse the same values of %s / %s', async (param, env, resolver) => {
    for (const value of SAMPLES) {
      // Act
      const packaged = await resolver(given({ [param]: value })).then(
        () => true,
        () => false,
      );
      let started = true;
      try {
        loadConfig({ [env]: value });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        started = false;
      }
      // Assess
      expect({ value, packaged }).toEqual({ value, packaged: started });
    }
  });
});

describe('the runtime-event pattern resolver', () => {
  it("matches successful CreateAgentRuntime and UpdateAgentRuntime calls of this account, as CloudTrail's AgentCore events", async () => {
    // Act
    const pattern = await params.runtimeEventPattern();
    // Assess
    expect(pattern).toEqual({
      source: ['aws.bedrock-agentcore'],
      'detail-type': ['AWS API Call via CloudTrail'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: {
        eventSource: ['bedrock-agentcore.amazonaws.com'],
        eventName: ['CreateAgentRuntime', 'UpdateAgentRuntime'],
        errorCode: [{ exists: false }],
      },
    });
  });
});
