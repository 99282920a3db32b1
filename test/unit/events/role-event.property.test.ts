import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRoleEvent } from '../../../src/events/role-event.js';
import { createRoleEvent } from '../../support/events.js';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** A full-shape CloudTrail CreateRole event, then one change at a random path: a value replaced or a key deleted. */
const mutatedSampleEvent = fc
  .tuple(fc.nat(), fc.nat(), fc.oneof(fc.constant(undefined), fc.anything()), fc.boolean())
  .map(([pathPick, keyPick, value, remove]) => {
    const event: Record<string, unknown> = createRoleEvent('AmazonBedrockAgentCoreSDKRuntime-us-east-1-0123456789');
    // Walk down a random chain of nested objects, then change one key there.
    let node: Record<string, unknown> = event;
    let pick = pathPick;
    for (;;) {
      const nested = Object.entries(node).filter(([, v]) => v !== null && typeof v === 'object');
      if (nested.length === 0 || pick % 3 === 0) break;
      node = (nested[pick % nested.length] as [string, Record<string, unknown>])[1];
      pick = Math.floor(pick / 3);
    }
    const keys = Object.keys(node);
    const key = keys[keyPick % Math.max(keys.length, 1)] ?? 'extra';
    if (remove) delete node[key];
    else node[key] = value;
    return event;
  });

describe('readRoleEvent on arbitrary input (property)', () => {
  it('never throws on any JavaScript value', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true }), (v) => {
        expect(['role', 'failed-call', 'malformed']).toContain(readRoleEvent(v).kind);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any JSON document', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(['role', 'failed-call', 'malformed']).toContain(readRoleEvent(JSON.parse(text)).kind);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on a realistic event with one field changed or removed, and names only valid roles', () => {
    fc.assert(
      fc.property(mutatedSampleEvent, (event) => {
        const read = readRoleEvent(event);
        if (read.kind === 'role') {
          expect(read.role.roleName).toMatch(ROLE_NAME);
          const detail = (event as { detail: { requestParameters: { roleName: unknown } } }).detail;
          expect(read.role.roleName).toBe(detail.requestParameters.roleName);
          expect(read.account).toMatch(/^\d{12}$/);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
