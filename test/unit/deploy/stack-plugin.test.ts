import { describe, expect, it, vi } from 'vitest';
import StackPlugin, {
  dropRedundantDependsOn,
  errorsAlarm,
  functionRole,
  iamWriteActionsOf,
  PATHED_ROLES_ARN,
  profileWarning,
  type ServerlessLike,
  type Statement,
  type Template,
} from '../../../deploy/stack-plugin.js';

const prefixed = {
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/AmazonBedrockAgentCoreSDKRuntime-*`,
};
const writeRoles: Statement = {
  Sid: 'PrefixedRolesOnly',
  Effect: 'Allow',
  Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:PutRolePolicy'],
  Resource: [prefixed],
};
const readRoles: Statement = { Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' };

const statementsOf = (role: ReturnType<typeof functionRole>) =>
  ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])[0]?.PolicyDocument
    .Statement ?? [];

describe('iamWriteActionsOf', () => {
  it('finds the IAM writes among the allowed actions, by the IAM catalog', async () => {
    // Act / Assess
    expect(await iamWriteActionsOf([writeRoles, readRoles])).toEqual(['iam:PutRolePolicy']);
  });

  it('finds none in reads only', async () => {
    // Act / Assess
    expect(await iamWriteActionsOf([readRoles])).toEqual([]);
  });

  it('counts wildcards that cover a write, and writes inside a conditional statement', async () => {
    // Prepare
    const conditional = { 'Fn::If': ['SelfHeal', writeRoles, { Ref: 'AWS::NoValue' }] } as unknown as Statement;
    // Act / Assess
    expect(await iamWriteActionsOf([{ Effect: 'Allow', Action: 'iam:Tag*', Resource: '*' }])).toEqual(['iam:Tag*']);
    expect(await iamWriteActionsOf([conditional])).toEqual(['iam:PutRolePolicy']);
  });
});

describe('functionRole', () => {
  const input = {
    service: 'agentcore-guard',
    functionName: 'remediate',
    logGroupId: 'RemediateLogGroup',
    permissions: [writeRoles],
    onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
    iamWrites: ['iam:PutRolePolicy'],
  };

  it('is assumed by Lambda only', () => {
    // Act
    const role = functionRole(input);
    // Assess
    expect(role.Properties?.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });

  it('allows its own log group, its statements, its on-failure queue, and denies its IAM writes on pathed roles', () => {
    // Act
    const statements = statementsOf(functionRole(input));
    // Assess
    expect(statements).toEqual([
      {
        Sid: 'OwnLogGroupOnly',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': ['RemediateLogGroup', 'Arn'] },
      },
      writeRoles,
      {
        Sid: 'OnFailureDestination',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      },
      { Sid: 'NoRoleWithAPath', Effect: 'Deny', Action: ['iam:PutRolePolicy'], Resource: PATHED_ROLES_ARN },
    ]);
  });

  it('has no Deny when the function writes no IAM, and carries the function condition', () => {
    // Act
    const role = functionRole({ ...input, permissions: [readRoles], iamWrites: [], condition: 'HasSlackWebhook' });
    // Assess
    expect(statementsOf(role).filter((s) => s.Effect === 'Deny')).toEqual([]);
    expect(role.Condition).toBe('HasSlackWebhook');
  });

  it('refuses an on-failure destination it cannot grant', () => {
    // Act / Assess
    expect(() => functionRole({ ...input, onFailure: 'arn:aws:sqs:us-east-1:123456789012:q' })).toThrow(/needs `type`/);
  });
});

describe('errorsAlarm', () => {
  it('alarms on any error of the function in a period, to the topic, under the function condition', () => {
    // Act
    const alarm = errorsAlarm({
      alarmName: 'agentcore-guard-dev-slack-notify-errors',
      functionId: 'SlackNotifyLambdaFunction',
      topicId: 'AlertsTopic',
      definition: { description: 'slack-notify failed' },
      condition: 'HasSlackWebhook',
    });
    // Assess
    expect(alarm).toEqual({
      Type: 'AWS::CloudWatch::Alarm',
      Condition: 'HasSlackWebhook',
      Properties: expect.objectContaining({
        AlarmName: 'agentcore-guard-dev-slack-notify-errors',
        AlarmDescription: 'slack-notify failed',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'SlackNotifyLambdaFunction' } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: 'AlertsTopic' }],
      }),
    });
  });
});

describe('dropRedundantDependsOn', () => {
  it('drops what a resource already references (W3005) and keeps the rest', () => {
    // Prepare
    const template: Template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          DependsOn: ['FnLogGroup', 'FnRole'],
          Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
        },
        Other: {
          Type: 'AWS::SNS::Topic',
          DependsOn: 'Key',
          Properties: { KmsMasterKeyId: { 'Fn::Sub': `\${Key.Arn}` } },
        },
        Alone: { Type: 'AWS::SQS::Queue', DependsOn: ['Fn'], Properties: {} },
      },
    };
    // Act
    const dropped = dropRedundantDependsOn(template);
    // Assess
    expect(dropped).toBe(2);
    expect(template.Resources.Fn?.DependsOn).toEqual(['FnLogGroup']);
    expect(template.Resources.Other?.DependsOn).toBeUndefined();
    expect(template.Resources.Alone?.DependsOn).toEqual(['Fn']);
  });
});

describe('profileWarning', () => {
  it('names every broad grant of the seed profile', () => {
    // Act
    const lines = profileWarning('seed').join('\n');
    // Assess
    expect(lines).toContain('bedrock-agentcore:* on * (every bedrock-agentcore action; every resource)');
    expect(lines).toContain('bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream on * (every resource)');
  });

  it('says nothing for least-privilege', () => {
    // Act / Assess
    expect(profileWarning('least-privilege')).toEqual([]);
  });
});

/** A stand-in for the osls instance: functions, naming as osls does it, a compiled template. */
function fakeServerless(functions: Record<string, Record<string, unknown>>, environment = {}): ServerlessLike {
  const upper = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
  return {
    service: {
      service: 'agentcore-guard',
      custom: { errorsAlarms: { topic: 'AlertsTopic' } },
      provider: { compiledCloudFormationTemplate: { Resources: {} }, environment },
      getAllFunctions: () => Object.keys(functions),
      getFunction: (name: string) => functions[name] as never,
    },
    getProvider: () => ({
      naming: {
        getNormalizedFunctionName: upper,
        getLambdaLogicalId: (name: string) => `${upper(name)}LambdaFunction`,
        getLogGroupLogicalId: (name: string) => `${upper(name)}LogGroup`,
      },
      getStage: () => 'dev',
    }),
    classes: { Error },
  };
}

describe('StackPlugin', () => {
  it('points each function with permissions at its generated role, and adds that role and its errors alarm', async () => {
    // Prepare
    const fn: Record<string, unknown> = { permissions: [writeRoles], errorsAlarm: { description: 'failed' } };
    const serverless = fakeServerless({ slackNotify: fn });
    const plugin = new StackPlugin(serverless, {});
    // Act
    await plugin.hooks.initialize?.();
    await plugin.hooks['before:package:finalize']?.();
    // Assess
    const resources = serverless.service.provider.compiledCloudFormationTemplate.Resources;
    expect(fn.role).toBe('SlackNotifyRole');
    expect(resources.SlackNotifyRole?.Type).toBe('AWS::IAM::Role');
    expect(resources.SlackNotifyErrorsAlarm?.Properties?.AlarmName).toBe('agentcore-guard-dev-slack-notify-errors');
  });

  it('refuses a function with both a role and permissions', () => {
    // Prepare
    const plugin = new StackPlugin(fakeServerless({ remediate: { role: 'X', permissions: [readRoles] } }), {});
    // Act / Assess
    expect(() => plugin.hooks.initialize?.()).toThrow(/both role and permissions/);
  });

  it('warns once about the seed profile, through the framework log', async () => {
    // Prepare
    const warning = vi.fn();
    const plugin = new StackPlugin(fakeServerless({}, { POLICY_PROFILE: 'seed' }), {}, { log: { warning } });
    // Act
    await plugin.hooks['before:package:initialize']?.();
    await plugin.hooks['before:deploy:deploy']?.();
    // Assess
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0]?.[0]).toContain('policyProfile=seed');
  });
});

describe('StackPlugin: the dashboard', () => {
  const METRICS_ENVIRONMENT = { POWERTOOLS_METRICS_NAMESPACE: 'AgentCoreGuard', POWERTOOLS_SERVICE_NAME: 'guard' };

  /** The finished template a dashboard is made from: a queue and an alarm from the `resources:` section. */
  function withResources(serverless: ServerlessLike, dashboard?: { deadLetterQueue: string }): ServerlessLike {
    serverless.service.custom = { ...serverless.service.custom, ...(dashboard ? { dashboard } : {}) };
    serverless.service.provider.compiledCloudFormationTemplate.Resources = {
      DeadLetterQueue: { Type: 'AWS::SQS::Queue' },
      DeadLetterAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { AlarmName: 'agentcore-guard-dev-dead-letters' },
      },
    };
    return serverless;
  }
  const addDashboard = (serverless: ServerlessLike) =>
    new StackPlugin(serverless, {}).hooks['after:aws:package:finalize:mergeCustomProviderResources']?.();

  it('adds the stage dashboard over the functions, alarms and queue, and its address as an output', () => {
    // Prepare
    const serverless = withResources(fakeServerless({ remediate: {} }, METRICS_ENVIRONMENT), {
      deadLetterQueue: 'DeadLetterQueue',
    });
    // Act
    addDashboard(serverless);
    // Assess
    const template = serverless.service.provider.compiledCloudFormationTemplate;
    const body = JSON.stringify(template.Resources.Dashboard?.Properties?.DashboardBody);
    expect(template.Resources.Dashboard?.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(template.Resources.Dashboard?.Properties?.DashboardName).toBe('agentcore-guard-dev');
    for (const part of [
      `\${RemediateLambdaFunction}`,
      `\${DeadLetterQueue.QueueName}`,
      'alarm:agentcore-guard-dev-dead-letters',
    ]) {
      expect(body).toContain(part);
    }
    expect(body).toContain('\\"service\\",\\"guard\\"');
    expect(template.Outputs?.DashboardUrl).toEqual({
      Description: expect.any(String),
      Value: { 'Fn::Sub': expect.stringContaining('#dashboards/dashboard/agentcore-guard-dev') },
    });
  });

  it('adds none without custom.dashboard', () => {
    // Prepare
    const serverless = withResources(fakeServerless({ remediate: {} }, METRICS_ENVIRONMENT));
    // Act
    addDashboard(serverless);
    // Assess
    expect(serverless.service.provider.compiledCloudFormationTemplate.Resources.Dashboard).toBeUndefined();
  });

  it('refuses to guess the metric namespace or service when provider.environment does not name them', () => {
    // Prepare
    const serverless = withResources(fakeServerless({ remediate: {} }), { deadLetterQueue: 'DeadLetterQueue' });
    // Act / Assess
    expect(() => addDashboard(serverless)).toThrow(/POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME/);
  });

  it('refuses a dead-letter queue that is not a queue of the template', () => {
    // Prepare
    const serverless = withResources(fakeServerless({}, METRICS_ENVIRONMENT), { deadLetterQueue: 'NoSuchQueue' });
    // Act / Assess
    expect(() => addDashboard(serverless)).toThrow(/NoSuchQueue, which is not a queue/);
  });
});
