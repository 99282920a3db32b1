import pLimit from 'p-limit';
import type { AccountReport, AccountVerdict } from './account-audit.js';
import type { FleetAccount } from './accounts.js';

export interface FleetProgress {
  done: number;
  total: number;
  report: AccountReport;
}

export interface FleetReport {
  /** True when every active account is healthy. */
  healthy: boolean;
  counts: Record<AccountVerdict, number> & { accounts: number };
  accounts: AccountReport[];
  durationMs: number;
}

export interface FleetRunOptions {
  accounts: readonly FleetAccount[];
  audit: (account: FleetAccount) => Promise<AccountReport>;
  concurrency: number;
  onProgress?: (progress: FleetProgress) => void;
}

/** Every account, a few at a time; one account's failure is its row, never the run's. Rows in account order. */
export async function runFleetReport(options: FleetRunOptions): Promise<FleetReport> {
  const started = performance.now();
  const limit = pLimit(options.concurrency);
  let done = 0;
  const accounts = await Promise.all(
    options.accounts.map((account) =>
      limit(async () => {
        const report = await options.audit(account);
        done += 1;
        options.onProgress?.({ done, total: options.accounts.length, report });
        return report;
      }),
    ),
  );
  return summarise(accounts, Math.round(performance.now() - started));
}

export function summarise(accounts: AccountReport[], durationMs: number): FleetReport {
  const counts = { accounts: accounts.length, healthy: 0, unhealthy: 0, unreachable: 0, skipped: 0 };
  for (const account of accounts) counts[account.verdict] += 1;
  return { healthy: counts.unhealthy + counts.unreachable === 0, counts, accounts, durationMs };
}
