import pLimit from 'p-limit';
import { parseRoleArn } from '../aws/arn.js';
import { errorMessage, errorName } from '../aws/errors.js';
import {
  type ControlClientFor,
  describeAgentRuntime,
  type ListedRuntime,
  listAgentRuntimes,
} from '../runtimes/inventory.js';
import { DEFAULTS } from '../settings.js';
import {
  inspectRuntimeRole,
  type RoleAccess,
  type RuntimeRoleInspectionDeps,
  type RuntimeRoleOwnership,
} from './check.js';

/** One runtime of the survey: where it runs, the role it runs as, whether that role is ours, and its verdict. */
export interface SurveyedRuntime extends ListedRuntime {
  /** Absent when the runtime could not be described. */
  roleArn?: string;
  /** Absent when the role could not be read. */
  ownership?: RuntimeRoleOwnership;
  access: RoleAccess;
  /** `simulate` (IAM's simulator) or `local` (the role's policies evaluated here). */
  method?: 'simulate' | 'local';
  stackName?: string;
  excluded?: boolean;
}

/** A region listed, or not: a failed region is reported, the others still surveyed. */
export type SurveyedRegion =
  | { region: string; runtimes: number }
  | { region: string; error: string; errorName?: string; cause: unknown };

export type SurveyProgress =
  | { kind: 'region'; result: SurveyedRegion }
  | { kind: 'runtime'; runtime: SurveyedRuntime }
  /** Deleted between the listing and its description: nothing left to survey. */
  | { kind: 'gone'; runtime: ListedRuntime };

export interface RuntimeSurvey {
  regions: SurveyedRegion[];
  runtimes: SurveyedRuntime[];
}

export interface SurveyDeps extends RuntimeRoleInspectionDeps {
  controlClientFor: ControlClientFor;
  /** Control-plane and IAM reads at once, across regions. */
  concurrency?: number;
  onProgress?: (progress: SurveyProgress) => void;
}

/**
 * Every AgentCore runtime of every region, whatever its role is called: `ListAgentRuntimes` (all pages, any status),
 * `GetAgentRuntime` for its role, then `inspectRuntimeRole` (read only). A region that cannot be listed and a runtime
 * that cannot be described or evaluated are reported as such; the rest are still surveyed. Writes nothing.
 */
export async function surveyRuntimeRoles(regions: readonly string[], deps: SurveyDeps): Promise<RuntimeSurvey> {
  const limit = pLimit(deps.concurrency ?? DEFAULTS.healthConcurrency);
  const report = deps.onProgress ?? (() => undefined);
  const perRegion = await Promise.all(
    regions.map(async (region) => {
      let listed: ListedRuntime[];
      try {
        listed = await limit(() => listAgentRuntimes(region, deps.controlClientFor(region)));
      } catch (error) {
        const failed: SurveyedRegion = {
          region,
          error: errorMessage(error).split('\n', 1)[0] ?? '',
          ...(errorName(error) ? { errorName: errorName(error) } : {}),
          cause: error,
        };
        report({ kind: 'region', result: failed });
        return { result: failed, runtimes: [] };
      }
      const result: SurveyedRegion = { region, runtimes: listed.length };
      report({ kind: 'region', result });
      const surveyed = await Promise.all(
        listed.map((runtime) =>
          limit(async () => {
            const one = await surveyOne(runtime, deps);
            report(one ? { kind: 'runtime', runtime: one } : { kind: 'gone', runtime });
            return one;
          }),
        ),
      );
      return { result, runtimes: surveyed.filter((r): r is SurveyedRuntime => r !== undefined) };
    }),
  );
  return { regions: perRegion.map((r) => r.result), runtimes: perRegion.flatMap((r) => r.runtimes) };
}

const undetermined = (reason: string): RoleAccess => ({ verdict: 'undetermined', reason });
const oneLine = (error: unknown) => `${errorName(error) ?? 'Error'}: ${errorMessage(error).split('\n', 1)[0]}`;

async function surveyOne(listed: ListedRuntime, deps: SurveyDeps): Promise<SurveyedRuntime | undefined> {
  let runtime: Awaited<ReturnType<typeof describeAgentRuntime>>;
  try {
    runtime = await describeAgentRuntime(listed, deps.controlClientFor(listed.region));
  } catch (error) {
    return { ...listed, access: undetermined(`the runtime could not be described (${oneLine(error)})`) };
  }
  if (!runtime) return undefined;
  try {
    parseRoleArn(runtime.roleArn);
  } catch {
    return { ...runtime, access: undetermined(`its role ARN "${runtime.roleArn}" is not an IAM role ARN`) };
  }
  try {
    const { report, ...inspection } = await inspectRuntimeRole(runtime, deps);
    return { ...runtime, ...inspection, ...(report ? { method: report.method } : {}) };
  } catch (error) {
    return { ...runtime, access: undetermined(`its role could not be read (${oneLine(error)})`) };
  }
}
