import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRoleEvent } from '../../support/cloudtrail-event.js';

// The real handler, arbitrary events and arbitrary prefixes, against an IAM mock that would accept any write:
// the only thing between an event and a PutRolePolicy is the code under test.
const iamMock = mockClient(IAMClient);
type Handler = (event: unknown) => Promise<unknown>;

// ROLE_PREFIXES is a comma-separated list, so a prefix cannot hold a comma; role names can.
const prefixChars = fc.constantFrom(...'abcXYZ019+=.@_-'.split(''));
const nameChars = fc.constantFrom(...'abcXYZ019+=,.@_-'.split(''));
const prefixArb = fc.string({ unit: prefixChars, minLength: 1, maxLength: 12 });
const eventNames = fc.constantFrom('CreateRole', 'PutRolePolicy', 'DeleteRolePolicy', 'DeleteRole', 'createrole');

/** Role names near the prefixes: inside, a case change away, one character short, or unrelated. */
const roleNameFor = (prefixes: string[]) =>
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom('inside', 'case', 'short', 'before', 'unrelated'),
      fc.string({ unit: nameChars, maxLength: 20 }),
      fc.string({ maxLength: 70 }),
    )
    .map(([i, mode, suffix, anything]) => {
      const prefix = prefixes[i % prefixes.length] ?? '';
      switch (mode) {
        case 'inside':
          return prefix + suffix;
        case 'case':
          return (prefix.toUpperCase() === prefix ? prefix.toLowerCase() : prefix.toUpperCase()) + suffix;
        case 'short':
          return prefix.slice(0, -1) + suffix;
        case 'before':
          return `x${prefix}${suffix}`;
        default:
          return anything;
      }
    });

const arnFor = (roleName: string, other: string, mode: string): string | undefined => {
  switch (mode) {
    case 'same':
      return `arn:aws:iam::123456789012:role/${roleName}`;
    case 'other':
      return `arn:aws:iam::123456789012:role/${other}`;
    case 'path':
      return `arn:aws:iam::123456789012:role/team/${roleName}`;
    case 'garbage':
      return other;
    default:
      return undefined;
  }
};

const eventFor = (prefixes: string[]) =>
  fc
    .tuple(
      roleNameFor(prefixes),
      roleNameFor(prefixes),
      fc.constantFrom('same', 'other', 'path', 'garbage', 'none'),
      eventNames,
      fc.option(fc.constantFrom('AccessDenied', 'EntityAlreadyExists'), { nil: undefined }),
    )
    .map(([roleName, other, arnMode, eventName, errorCode]) => {
      const event = createRoleEvent({ roleName, roleArn: 'arn:aws:iam::123456789012:role/placeholder' });
      const detail = event.detail as Record<string, unknown>;
      detail.eventName = eventName;
      const arn = arnFor(roleName, other, arnMode);
      detail.responseElements = arn === undefined ? null : { role: { roleName, arn } };
      if (errorCode) detail.errorCode = errorCode;
      return event as unknown;
    });

const anyEvents = (prefixes: string[]) =>
  fc.array(fc.oneof({ arbitrary: eventFor(prefixes), weight: 4 }, { arbitrary: fc.anything(), weight: 1 }), {
    minLength: 1,
    maxLength: 6,
  });

async function handlerWithPrefixes(prefixes: string[]): Promise<Handler> {
  vi.stubEnv('ROLE_PREFIXES', prefixes.join(','));
  vi.resetModules();
  return (await import('../../../handlers/remediate.js')).handler as Handler;
}

beforeAll(() => {
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('ROLE_NOT_FOUND_RETRY_SECONDS', '1');
});

afterAll(() => {
  vi.unstubAllEnvs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

beforeEach(() => {
  // Powertools writes EMF metrics and warnings straight to the process streams; keep the test output readable.
  for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, 'write').mockImplementation(() => true);
  iamMock.reset();
  // An account where every named role exists, has no policy yet and accepts writes.
  iamMock.on(GetRolePolicyCommand).rejects(Object.assign(new Error('no policy'), { name: 'NoSuchEntityException' }));
  iamMock.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({
    Role: {
      RoleName: input.RoleName,
      Arn: `arn:aws:iam::123456789012:role/${input.RoleName}`,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(0),
    },
  }));
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iamMock.on(PutRolePolicyCommand).resolves({});
});

describe('remediate handler on arbitrary events and prefixes (property)', () => {
  it('never writes to a role whose name does not start with a configured prefix, and never throws on bad input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .uniqueArray(prefixArb, { minLength: 1, maxLength: 3 })
          .chain((prefixes) => fc.tuple(fc.constant(prefixes), anyEvents(prefixes))),
        async ([prefixes, events]) => {
          // Prepare
          iamMock.resetHistory();
          const handler = await handlerWithPrefixes(prefixes);
          // Act
          for (const event of events) await handler(event);
          // Assess
          const written = iamMock.commandCalls(PutRolePolicyCommand).map((c) => c.args[0].input.RoleName ?? '');
          for (const name of written) expect(prefixes.some((p) => name.startsWith(p))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does write for well-formed events naming a prefixed role, so the property above is not vacuous', async () => {
    // Prepare
    const handler = await handlerWithPrefixes(['Agent-']);
    const event = createRoleEvent({ roleName: 'Agent-1', roleArn: 'arn:aws:iam::123456789012:role/Agent-1' });
    // Act
    const result = await handler(event);
    // Assess
    expect(result).toMatchObject({ status: 'remediated' });
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
  });
});
