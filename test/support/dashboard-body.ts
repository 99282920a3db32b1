import type { EmittedMetric } from './alert-fixtures.js';

type Json = Record<string, unknown>;

/** A packaged AWS::CloudWatch::Dashboard's DashboardBody: an Fn::Sub, with or without variables. */
export type DashboardBodyValue = { 'Fn::Sub': string | [string, Record<string, unknown>] };

/**
 * The dashboard as CloudWatch would get it when the stack's conditions are `conditions`: Fn::Sub's variables resolved
 * (Fn::If, Fn::Join), and each reference left as `<Id>` or `<Id.Attribute>` (pseudo parameters too: `<AWS::Region>`).
 */
export function readDashboardBody(value: DashboardBodyValue, conditions: Record<string, boolean>): { widgets: Json[] } {
  const sub = value['Fn::Sub'];
  const [text, variables] = Array.isArray(sub) ? sub : [sub, {}];
  const resolve = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const n = node as Record<string, unknown>;
    if (n.Ref !== undefined) return `<${n.Ref}>`;
    if (n['Fn::GetAtt'] !== undefined) return `<${(n['Fn::GetAtt'] as string[]).join('.')}>`;
    if (n['Fn::If'] !== undefined) {
      const [condition, yes, no] = n['Fn::If'] as [string, unknown, unknown];
      if (!(condition in conditions)) throw new Error(`no value given for the condition ${condition}`);
      return resolve(conditions[condition] ? yes : no);
    }
    if (n['Fn::Join'] !== undefined) {
      const [separator, parts] = n['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    throw new Error(`unexpected intrinsic in the dashboard body: ${JSON.stringify(node)}`);
  };
  const filled = text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
    name in variables ? resolve(variables[name]) : `<${name}>`,
  );
  return JSON.parse(filled) as { widgets: Json[] };
}

/** One metric a widget shows. `dimensions` holds the fixed values; a searched dimension has the value `*`. */
export interface ShownMetric {
  widget: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/**
 * Every metric the metric widgets show: the `[namespace, name, dimension, value, …, {options}]` rows and the
 * `SEARCH('{namespace,dimension…} MetricName="…" dimension="value"', …)` expressions. Anything else (the "." shorthand,
 * math over other ids) is refused, so that nothing a widget shows goes unchecked.
 */
export function metricsShown(body: { widgets: Json[] }): ShownMetric[] {
  return body.widgets.flatMap((widget) => {
    if (widget.type !== 'metric') return [];
    const properties = widget.properties as { title: string; metrics: unknown[][] };
    return properties.metrics.map((row): ShownMetric => {
      const [first] = row;
      if (first && typeof first === 'object') return searched(properties.title, (first as Json).expression);
      const fields = row.filter((entry): entry is string => typeof entry === 'string');
      const [namespace, metricName, ...pairs] = fields;
      if (!namespace || !metricName || namespace === '.' || pairs.includes('.') || pairs.length % 2 !== 0) {
        throw new Error(`widget "${properties.title}": a metric row this check cannot read: ${JSON.stringify(row)}`);
      }
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
      return { widget: properties.title, namespace, metricName, dimensions };
    });
  });
}

function searched(widget: string, expression: unknown): ShownMetric {
  const match = /^SEARCH\('\{([^}]*)\}((?:\s+\w+="[^"]*")*)',\s*'\w+',\s*\d+\)$/.exec(String(expression));
  if (!match) throw new Error(`widget "${widget}": an expression this check cannot read: ${String(expression)}`);
  const [namespace = '', ...schema] = (match[1] ?? '').split(',');
  const fixed = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
  const { MetricName: metricName, ...values } = fixed;
  if (!metricName) throw new Error(`widget "${widget}": a search without MetricName: ${String(expression)}`);
  for (const key of Object.keys(values)) {
    if (!schema.includes(key)) throw new Error(`widget "${widget}": ${key} is not in the search's schema`);
  }
  return {
    widget,
    namespace,
    metricName,
    dimensions: Object.fromEntries(schema.map((name) => [name, values[name] ?? '*'])),
  };
}

const sameDimensions = (shown: Record<string, string>, emitted: Record<string, string>) => {
  const keys = Object.keys(shown).sort();
  const emittedKeys = Object.keys(emitted).sort();
  return (
    keys.length === emittedKeys.length &&
    keys.every((key, i) => key === emittedKeys[i] && (shown[key] === '*' || shown[key] === emitted[key]))
  );
};

/** The shown metrics of `namespace` that no emitted metric matches: name, and exactly its dimensions and values. */
export function shownButNotEmitted(shown: ShownMetric[], emitted: EmittedMetric[], namespace: string): string[] {
  return shown
    .filter((s) => s.namespace === namespace)
    .filter(
      (s) =>
        !emitted.some(
          (e) =>
            e.namespace === s.namespace && e.metricName === s.metricName && sameDimensions(s.dimensions, e.dimensions),
        ),
    )
    .map((s) => `"${s.widget}" shows ${s.namespace}/${s.metricName} ${JSON.stringify(s.dimensions)}`);
}

/** The emitted metrics no widget shows (by name and dimensions); one line per name and dimension set. */
export function emittedButNotShown(emitted: EmittedMetric[], shown: ShownMetric[]): string[] {
  const missing = emitted
    .filter(
      (e) =>
        !shown.some(
          (s) =>
            s.namespace === e.namespace && s.metricName === e.metricName && sameDimensions(s.dimensions, e.dimensions),
        ),
    )
    .map((e) => `${e.namespace}/${e.metricName} ${JSON.stringify(Object.keys(e.dimensions).sort())}`);
  return [...new Set(missing)];
}
