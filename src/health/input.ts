import { PROBE_TIERS, type ProbeTier } from '../settings.js';

/** A health-check invocation's input: the tier to run, or why it cannot be read. */
export type RunInput = { kind: 'run'; tier: ProbeTier } | { kind: 'malformed'; problem: string };

/**
 * The schedules send `{"probes":"permission"}` (hourly) or `{"probes":"all"}` (daily). An input without `probes` (a run
 * by hand, `serverless invoke -f healthcheck`) runs every probe, as a person asking for a check expects.
 */
export function readRunInput(event: unknown): RunInput {
  if (event === null || event === undefined) return { kind: 'run', tier: 'all' };
  if (typeof event !== 'object' || Array.isArray(event)) {
    const got = Array.isArray(event) ? 'an array' : typeof event;
    return { kind: 'malformed', problem: `expected an object such as {"probes":"permission"}, got ${got}` };
  }
  const probes = (event as { probes?: unknown }).probes;
  if (probes === undefined) return { kind: 'run', tier: 'all' };
  if (typeof probes === 'string' && (PROBE_TIERS as readonly string[]).includes(probes)) {
    return { kind: 'run', tier: probes as ProbeTier };
  }
  return {
    kind: 'malformed',
    problem: `"probes" must be ${PROBE_TIERS.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(probes)}`,
  };
}
