import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

/** CloudFormation's short-form tags (`!Ref`, `!GetAtt`, …), kept as `{ '!Ref': value }` so the file parses. */
const CLOUDFORMATION_TAGS = ['!Ref', '!GetAtt', '!Sub', '!If', '!Equals', '!Not', '!Select', '!Split', '!Join'];
const schema = yaml.DEFAULT_SCHEMA.extend(
  CLOUDFORMATION_TAGS.flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(tag, { kind, construct: (data: unknown) => ({ [tag]: data }) }),
    ),
  ),
);

interface ServerlessFunction {
  timeout: number;
  memorySize?: number;
  maximumRetryAttempts?: number;
}

/**
 * A function as serverless.yml declares it, read without packaging: what the fault tests need to run a handler
 * with the timeout it really gets in Lambda.
 */
export function declaredFunction(name: string): ServerlessFunction {
  const file = yaml.load(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), { schema }) as {
    functions: Record<string, ServerlessFunction>;
  };
  const fn = file.functions[name];
  if (!fn) throw new Error(`serverless.yml declares no function ${name}`);
  return fn;
}
