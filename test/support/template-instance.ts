/**
 * A CloudFormation template as one stack would have it, for given parameter values: conditions decided, resources
 * and outputs whose condition is false left out, `Fn::If` branches chosen (`AWS::NoValue` dropped), parameters
 * substituted in `Ref` and `Fn::Sub`. Pseudo parameters and other references stay as they are, for the template
 * audit (test/support/template-audit.ts) to read. Throws on a condition function it does not know.
 */

type Json = Record<string, unknown>;
interface Template {
  Parameters?: Record<string, { Default?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Json }>;
  Outputs?: Record<string, { Condition?: string; Value: unknown }>;
}

const NO_VALUE = Symbol('AWS::NoValue');

export function instantiate<T extends Template>(template: T, values: Record<string, string> = {}): T {
  const parameters: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    parameters[name] = values[name] ?? parameter.Default ?? '';
  }
  for (const name of Object.keys(values)) {
    if (!(name in parameters)) throw new Error(`The template has no parameter ${name}.`);
  }

  const condition = (name: string): boolean => {
    const definition = template.Conditions?.[name];
    if (definition === undefined) throw new Error(`The template has no condition ${name}.`);
    return holds(definition);
  };
  const holds = (c: unknown): boolean => {
    const [fn, arg] = Object.entries(c as Json)[0] ?? [];
    const args = arg as unknown[];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(resolve(args[0])) === JSON.stringify(resolve(args[1]));
      case 'Fn::Not':
        return !holds(args[0]);
      case 'Fn::And':
        return args.every(holds);
      case 'Fn::Or':
        return args.some(holds);
      case 'Condition':
        return condition(String(arg));
      default:
        throw new Error(`instantiate() does not evaluate condition function ${fn}.`);
    }
  };
  function resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(resolve).filter((item) => item !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const entries = Object.entries(v as Json);
    const [fn, arg] = entries[0] ?? [];
    if (entries.length === 1 && fn === 'Ref') {
      if (arg === 'AWS::NoValue') return NO_VALUE;
      return String(arg) in parameters ? parameters[String(arg)] : v;
    }
    if (entries.length === 1 && fn === 'Fn::If') {
      const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
      return resolve(condition(name) ? whenTrue : whenFalse);
    }
    if (entries.length === 1 && fn === 'Fn::Sub' && typeof arg === 'string') {
      const text = arg.replace(/\$\{([^}!:]+)\}/g, (whole, name: string) => parameters[name] ?? whole);
      return text.includes('${') ? { 'Fn::Sub': text } : text;
    }
    const out: Json = {};
    for (const [key, inner] of entries) {
      const resolved = resolve(inner);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  const kept = <R extends { Condition?: string }>(items: Record<string, R>) =>
    Object.fromEntries(
      Object.entries(items)
        .filter(([, item]) => item.Condition === undefined || condition(item.Condition))
        .map(([id, item]) => [id, resolve(item)]),
    ) as Record<string, R>;

  return {
    ...template,
    Resources: kept(template.Resources),
    ...(template.Outputs ? { Outputs: kept(template.Outputs) } : {}),
  };
}
