/**
 * The stack's CloudWatch dashboard, one per stage: what the guard did to roles, what the health check found, alerts,
 * the dead-letter queue, and each function's Lambda errors and duration. Every widget is here; deploy/stack-plugin.ts
 * adds the resource with the functions, alarms and queue of the packaged template. docs/operations.md explains each.
 *
 * The functions' own metrics are queried exactly as Powertools emits them: the namespace and the `service` dimension
 * (from the functions' POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME), and `Agent` for AgentHealthy.
 * The template tests hold these widgets against the metrics the handlers really emit.
 */

type Json = Record<string, unknown>;

/** One of the functions' own metrics on a widget. */
interface OwnMetric {
  metric: string;
  label: string;
}

/** A widget of the functions' own metrics, each with only the `service` dimension. */
interface OwnMetricsWidget {
  kind: 'own';
  title: string;
  metrics: OwnMetric[];
  stat: 'Sum' | 'Maximum';
  /** Seconds per data point. */
  period: number;
  width: number;
}

/** A metric with the `service` dimension and one more, whose values are found by a search (agents come and go). */
interface PerDimensionWidget {
  kind: 'per-dimension';
  title: string;
  metric: string;
  dimension: string;
  stat: 'Minimum';
  period: number;
  width: number;
}

/** One line per function of the stack. */
interface LambdaWidget {
  kind: 'lambda';
  title: string;
  metric: 'Errors' | 'Duration';
  stat: 'Sum' | 'Maximum';
  period: number;
  width: number;
}

interface QueueWidget {
  kind: 'dead-letters';
  title: string;
  width: number;
}

interface AlarmsWidget {
  kind: 'alarms';
  title: string;
  width: number;
}

type WidgetDefinition = OwnMetricsWidget | PerDimensionWidget | LambdaWidget | QueueWidget | AlarmsWidget;

const HOUR = 3600;
const FIVE_MINUTES = 300;

/**
 * The dashboard, row by row (24 columns; each row's widgets add up to 24). The outcome metrics are the ones
 * src/observability.ts `metricName` makes of each status: `would-remediate` → `WouldRemediate`.
 */
export const DASHBOARD_ROWS: readonly (readonly WidgetDefinition[])[] = [
  [
    {
      kind: 'own',
      title: 'Roles: outcomes per hour (remediate, reconcile, runtimes)',
      metrics: [
        { metric: 'Remediated', label: 'remediated (policy written)' },
        { metric: 'WouldRemediate', label: 'would remediate (dry run)' },
        { metric: 'Compliant', label: 'compliant' },
        { metric: 'Untrusted', label: 'untrusted' },
        { metric: 'UnsupportedPath', label: 'unsupported path' },
        { metric: 'Excluded', label: 'excluded' },
        { metric: 'RoleNotFound', label: 'role not found' },
        { metric: 'Ignored', label: 'ignored (no prefix)' },
      ],
      stat: 'Sum',
      period: HOUR,
      width: 12,
    },
    {
      kind: 'own',
      title: 'Failures per hour (every function)',
      metrics: [
        { metric: 'Failed', label: 'failed (retried)' },
        { metric: 'FailedPermanently', label: 'failed permanently (no room for the policy)' },
        { metric: 'OutOfTime', label: 'out of time' },
        { metric: 'RejectedEvent', label: 'rejected event (malformed, other account)' },
        { metric: 'HealthCheckFailed', label: 'health check could not run' },
      ],
      stat: 'Sum',
      period: HOUR,
      width: 12,
    },
  ],
  [
    {
      kind: 'per-dimension',
      title: 'Health verdict per agent (1 healthy, 0 failing; lowest in the hour)',
      metric: 'AgentHealthy',
      dimension: 'Agent',
      stat: 'Minimum',
      period: HOUR,
      width: 12,
    },
    {
      kind: 'own',
      title: 'Health checks per hour',
      metrics: [
        { metric: 'Healthy', label: 'healthy' },
        { metric: 'Failing', label: 'failing' },
        { metric: 'Undecided', label: 'undecided (no prompt, role allowed)' },
        { metric: 'AgentSkipped', label: 'skipped (no time left in the run)' },
        { metric: 'PermissionProbeSkipped', label: 'permission probe could not run' },
        { metric: 'ProbeTagsUnreadable', label: 'tags unreadable (no prompt sent)' },
      ],
      stat: 'Sum',
      period: HOUR,
      width: 12,
    },
  ],
  [
    {
      kind: 'own',
      title: 'Failing agents by reason per hour',
      metrics: [
        { metric: 'PermissionDenied', label: 'permission denied' },
        { metric: 'ToolNotExecuted', label: 'tool not executed' },
        { metric: 'WrongAnswer', label: 'wrong answer' },
        { metric: 'InvokeError', label: 'invoke error' },
        { metric: 'Timeout', label: 'timeout' },
      ],
      stat: 'Sum',
      period: HOUR,
      width: 8,
    },
    {
      kind: 'own',
      title: 'Runtime roles not ours, per hour (runtimes)',
      metrics: [
        { metric: 'RoleAllowed', label: 'may use the Code Interpreter' },
        { metric: 'RoleDenied', label: 'denied (alerted with the fix)' },
        { metric: 'RoleUndetermined', label: 'undetermined (alerted)' },
      ],
      stat: 'Sum',
      period: HOUR,
      width: 8,
    },
    {
      kind: 'own',
      title: 'Alerts per hour',
      metrics: [
        { metric: 'AlertPublished', label: 'sent' },
        { metric: 'AlertPublishFailed', label: 'not delivered' },
      ],
      stat: 'Sum',
      period: HOUR,
      width: 8,
    },
  ],
  [
    { kind: 'dead-letters', title: 'Dead-letter queue: messages waiting', width: 8 },
    { kind: 'lambda', title: 'Lambda errors', metric: 'Errors', stat: 'Sum', period: FIVE_MINUTES, width: 8 },
    {
      kind: 'lambda',
      title: 'Lambda duration (longest, ms)',
      metric: 'Duration',
      stat: 'Maximum',
      period: FIVE_MINUTES,
      width: 8,
    },
  ],
  [
    {
      kind: 'own',
      title: 'Reconcile sweep duration (ms)',
      metrics: [{ metric: 'ReconcileDuration', label: 'sweep' }],
      stat: 'Maximum',
      period: HOUR,
      width: 8,
    },
    { kind: 'alarms', title: 'Alarms', width: 16 },
  ],
];

const WIDGET_HEIGHT = 6;

export interface DashboardFunction {
  /** As people call it: `remediate`, `slack-notify`. */
  label: string;
  /** Its AWS::Lambda::Function logical id. */
  id: string;
  condition?: string;
}

export interface DashboardAlarm {
  /** The alarm's literal AlarmName (its ARN is made from it: a dashboard names alarms by ARN). */
  name: string;
  condition?: string;
}

export interface DashboardInput {
  dashboardName: string;
  /** What the functions' Metrics emit into: POWERTOOLS_METRICS_NAMESPACE. */
  namespace: string;
  /** The value of the `service` dimension Powertools adds to every metric: POWERTOOLS_SERVICE_NAME. */
  service: string;
  functions: DashboardFunction[];
  alarms: DashboardAlarm[];
  /** The dead-letter queue's logical id. */
  deadLetterQueueId: string;
}

/** An entry of a list that exists only when a condition of the stack holds (the functions and alarms of a switch). */
class OnlyIf {
  constructor(
    readonly condition: string,
    readonly value: unknown,
  ) {}
}

const item = <T>(value: T, condition: string | undefined): T | OnlyIf =>
  condition ? new OnlyIf(condition, value) : value;

/** The widgets, as CloudWatch reads them; `${…}` marks what CloudFormation fills in (Fn::Sub). */
export function dashboardWidgets(input: DashboardInput): Json[] {
  const widgets: Json[] = [];
  let y = 0;
  for (const row of DASHBOARD_ROWS) {
    let x = 0;
    for (const definition of row) {
      widgets.push({
        ...widgetOf(definition, input),
        x,
        y,
        width: definition.width,
        height: WIDGET_HEIGHT,
      });
      x += definition.width;
    }
    y += WIDGET_HEIGHT;
  }
  return widgets;
}

function widgetOf(definition: WidgetDefinition, input: DashboardInput): Json {
  const { namespace, service } = input;
  const graph = (metrics: unknown[], stat: string, period: number) => ({
    type: 'metric',
    properties: { title: definition.title, view: 'timeSeries', region: `\${AWS::Region}`, stat, period, metrics },
  });
  switch (definition.kind) {
    case 'own':
      return graph(
        definition.metrics.map(({ metric, label }) => [namespace, metric, 'service', service, { label }]),
        definition.stat,
        definition.period,
      );
    case 'per-dimension': {
      const schema = `{${namespace},${[definition.dimension, 'service'].sort().join(',')}}`;
      const search = `SEARCH('${schema} MetricName="${definition.metric}" service="${service}"', '${definition.stat}', ${definition.period})`;
      const widget = graph([[{ expression: search, id: 'agents' }]], definition.stat, definition.period);
      return { ...widget, properties: { ...widget.properties, yAxis: { left: { min: 0, max: 1 } } } };
    }
    case 'lambda':
      return graph(
        input.functions.map((fn) =>
          item(['AWS/Lambda', definition.metric, 'FunctionName', `\${${fn.id}}`, { label: fn.label }], fn.condition),
        ),
        definition.stat,
        definition.period,
      );
    case 'dead-letters':
      return graph(
        [
          [
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            'QueueName',
            `\${${input.deadLetterQueueId}.QueueName}`,
            { label: 'messages' },
          ],
        ],
        'Maximum',
        60,
      );
    case 'alarms':
      return {
        type: 'alarm',
        properties: {
          title: definition.title,
          alarms: input.alarms.map((alarm) =>
            item(
              `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${alarm.name}`,
              alarm.condition,
            ),
          ),
        },
      };
  }
}

/** The AWS::CloudWatch::Dashboard resource: its body one Fn::Sub, with a variable per conditional list entry. */
export function dashboardResource(input: DashboardInput): Json {
  const variables: Record<string, unknown> = {};
  const body = render({ widgets: dashboardWidgets(input) }, variables);
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: input.dashboardName,
      DashboardBody: Object.keys(variables).length > 0 ? { 'Fn::Sub': [body, variables] } : { 'Fn::Sub': body },
    },
  };
}

/**
 * JSON, except that a conditional list entry becomes a `${OnlyIfN}` variable: the entry (with its leading comma) when
 * the condition holds, nothing otherwise. So each such list needs an unconditional entry before them.
 */
function render(value: unknown, variables: Record<string, unknown>): string {
  if (value instanceof OnlyIf) throw new TypeError('A conditional entry belongs in a list.');
  if (Array.isArray(value)) {
    const always = value.filter((v) => !(v instanceof OnlyIf));
    const conditional = value.filter((v): v is OnlyIf => v instanceof OnlyIf);
    if (conditional.length > 0 && always.length === 0) {
      throw new TypeError('A list of only conditional entries cannot be rendered: its commas would depend on them.');
    }
    const rendered = always.map((v) => render(v, variables)).join(',');
    const optional = conditional.map((entry) => {
      const nested: Record<string, unknown> = {};
      const fragment = render(entry.value, nested);
      if (Object.keys(nested).length > 0) throw new TypeError('A conditional entry cannot hold conditional entries.');
      const name = `OnlyIf${Object.keys(variables).length}`;
      variables[name] = { 'Fn::If': [entry.condition, { 'Fn::Join': ['', joinParts(`,${fragment}`)] }, ''] };
      return `\${${name}}`;
    });
    return `[${rendered}${optional.join('')}]`;
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}:${render(inner, variables)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `a${X}b${Y.Attr}` → ['a', {Ref: X}, 'b', {Fn::GetAtt: [Y, Attr]}]: Fn::Sub's references, for an Fn::Join. */
function joinParts(text: string): unknown[] {
  return text
    .split(/\$\{([^}]+)\}/)
    .map((part, index) => {
      if (index % 2 === 0) return part;
      const [id, attribute] = part.split('.');
      return attribute && !part.startsWith('AWS::') ? { 'Fn::GetAtt': [id, attribute] } : { Ref: part };
    })
    .filter((part) => part !== '');
}
