import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CliContext } from './context.js';

/**
 * The account the credentials belong to: only its roles can be read and simulated here. A person's credentials can
 * change account between runs (profiles, SSO), so it is asked, not configured.
 */
export async function callerAccount(ctx: CliContext, region: string): Promise<string> {
  const { Account } = await (await ctx.clients.sts(region)).send(new GetCallerIdentityCommand({}));
  if (!Account) throw new Error('STS GetCallerIdentity returned no account for these credentials.');
  return Account;
}
