import { describe, expect, it } from 'vitest';
import { DASHBOARD_ROWS, type DashboardInput, dashboardResource, dashboardWidgets } from '../../../deploy/dashboard.js';
import { type DashboardBodyValue, metricsShown, readDashboardBody } from '../../support/dashboard-body.js';

const input: DashboardInput = {
  dashboardName: 'agentcore-guard-dev',
  namespace: 'GuardMetrics',
  service: 'guard-service',
  functions: [
    { label: 'remediate', id: 'RemediateLambdaFunction' },
    { label: 'slack-notify', id: 'SlackNotifyLambdaFunction', condition: 'HasSlackWebhook' },
  ],
  alarms: [
    { name: 'agentcore-guard-dev-dead-letters' },
    { name: 'agentcore-guard-dev-slack-notify-errors', condition: 'HasSlackWebhook' },
  ],
  deadLetterQueueId: 'DeadLetterQueue',
};
const bodyOf = (value: DashboardInput, slack: boolean) =>
  readDashboardBody((dashboardResource(value).Properties as { DashboardBody: DashboardBodyValue }).DashboardBody, {
    HasSlackWebhook: slack,
  });

describe('the dashboard', () => {
  it('fills rows of 24 columns, one widget beside the other, rows one under the other', () => {
    // Act
    const widgets = dashboardWidgets(input) as { x: number; y: number; width: number; height: number }[];
    // Assess
    for (const row of DASHBOARD_ROWS) expect(row.reduce((sum, w) => sum + w.width, 0)).toBe(24);
    for (const [i, a] of widgets.entries()) {
      for (const b of widgets.slice(i + 1)) {
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, JSON.stringify([a, b])).toBe(true);
      }
    }
  });

  it("queries the functions' metrics in the given namespace, with the given service, and agents by a search", () => {
    // Act
    const own = metricsShown(bodyOf(input, true)).filter((m) => !m.namespace.startsWith('AWS/'));
    // Assess
    expect(own.length).toBeGreaterThan(20);
    for (const metric of own) {
      expect(metric.namespace).toBe('GuardMetrics');
      expect(metric.dimensions.service).toBe('guard-service');
    }
    expect(own.find((m) => m.metricName === 'AgentHealthy')?.dimensions).toEqual({
      Agent: '*',
      service: 'guard-service',
    });
  });

  it("shows a conditional function's lines and alarm only when its condition holds, as valid JSON either way", () => {
    // Act
    const [withSlack, without] = [true, false].map((slack) => {
      const body = bodyOf(input, slack);
      const lambda = metricsShown(body).filter((m) => m.namespace === 'AWS/Lambda');
      const alarms = (body.widgets.find((w) => w.type === 'alarm') as { properties: { alarms: string[] } }).properties
        .alarms;
      return { lambda: lambda.map((m) => m.dimensions.FunctionName), alarms };
    });
    // Assess
    // Errors, then Duration.
    expect(withSlack?.lambda).toEqual([
      '<RemediateLambdaFunction>',
      '<SlackNotifyLambdaFunction>',
      '<RemediateLambdaFunction>',
      '<SlackNotifyLambdaFunction>',
    ]);
    expect(without?.lambda).toEqual(['<RemediateLambdaFunction>', '<RemediateLambdaFunction>']);
    expect(withSlack?.alarms).toEqual([
      'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:agentcore-guard-dev-dead-letters',
      'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:agentcore-guard-dev-slack-notify-errors',
    ]);
    expect(without?.alarms).toHaveLength(1);
  });

  it('refuses functions that all have a condition: the list could not be written without them', () => {
    // Prepare
    const onlyConditional = { ...input, functions: input.functions.filter((fn) => fn.condition) };
    // Act / Assess
    expect(() => dashboardResource(onlyConditional)).toThrow(/only conditional entries/);
  });
});
