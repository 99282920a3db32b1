import { describe, expect, it } from 'vitest';
import { readRunInput } from '../../../src/health/input.js';

describe("the health check's input", () => {
  it.each([
    ['the hourly schedule', { probes: 'permission' }, 'permission'],
    ['the daily schedule', { probes: 'all' }, 'all'],
    ['a run by hand without input', {}, 'all'],
    ['an invocation with no payload', undefined, 'all'],
    ["EventBridge's own scheduled event", { 'detail-type': 'Scheduled Event', source: 'aws.events' }, 'all'],
  ])('reads %s', (_, event, tier) => {
    // Act / Assess
    expect(readRunInput(event)).toEqual({ kind: 'run', tier });
  });

  it.each([
    ['an unknown tier', { probes: 'prompt' }, '"probes" must be "permission" or "all", got "prompt"'],
    ['a tier that is not text', { probes: 1 }, '"probes" must be "permission" or "all", got 1'],
    ['a string', 'permission', 'expected an object such as {"probes":"permission"}, got string'],
    ['an array', [{ probes: 'all' }], 'expected an object such as {"probes":"permission"}, got an array'],
  ])('rejects %s, saying what it expected', (_, event, problem) => {
    // Act / Assess
    expect(readRunInput(event)).toEqual({ kind: 'malformed', problem });
  });
});
