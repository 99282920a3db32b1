import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRemediateHandler, remediateDeps } from '../../../handlers/remediate/index.js';
import { loadConfig } from '../../../src/config.js';
import { createRoleEvent } from '../../support/events.js';
import { describedRole, noSuchEntity } from '../../support/iam-fixtures.js';
import { lambdaContext } from '../../support/lambda.js';
import { captureOutput } from '../../support/output.js';

// The real handler, arbitrary events and arbitrary prefixes, against an IAM mock that would accept any write:
// the only thing between an event and a PutRolePolicy is the code under test.
const iamMock = mockClient(IAMClient);
captureOutput();

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
      const event = createRoleEvent(roleName, { roleArn: 'arn:aws:iam::123456789012:role/placeholder' });
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

/** The handler as deployed with these prefixes: built from its settings, no module reloading. */
const handlerWithPrefixes = (prefixes: string[]) =>
  createRemediateHandler(
    remediateDeps(
      loadConfig({
        AWS_REGION: 'us-east-1',
        ROLE_PREFIXES: prefixes.join(','),
        ROLE_NOT_FOUND_RETRY_SECONDS: '1',
      }),
    ),
  );

beforeEach(() => {
  iamMock.reset();
  // An account where every named role exists, has no policy yet and accepts writes.
  iamMock.on(GetRolePolicyCommand).rejects(noSuchEntity());
  iamMock.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({ Role: describedRole(input.RoleName) }));
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
          const handler = handlerWithPrefixes(prefixes);
          // Act
          for (const event of events) await handler(event, lambdaContext());
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
    const handler = handlerWithPrefixes(['Agent-']);
    const event = createRoleEvent('Agent-1');
    // Act
    const result = await handler(event, lambdaContext());
    // Assess
    expect(result).toMatchObject({ status: 'remediated' });
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
  });
});
