import type { Command } from 'commander';
import type { VerifyFlags } from '../actions/verify.js';
import type { CliContext } from '../context.js';
import { jsonOption } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description(
      "prove an agent can run code: the health check's probe and verdict for one deployed (--agent) or local (--local) agent",
    )
    .option('--agent <arn>', 'agent runtime ARN (its region is taken from the ARN)')
    .option('--local <url>', "a local agent's base URL, e.g. http://localhost:8080 (POST /invocations)")
    .option('--probe <name>', 'proof (default: SHA-256 of a fresh random string), seed (17 * 23) or custom', 'proof')
    .option('--prompt <text>', "the custom probe's prompt")
    .option('--expect <regex>', "the custom probe's pattern the reply must match")
    .option('--timeout <seconds>', 'how long the agent may take to answer', '120')
    .addOption(jsonOption())
    .action(async (flags: VerifyFlags) => {
      const { runVerify } = await import('../actions/verify.js');
      await runVerify(ctx, flags);
    });
}
