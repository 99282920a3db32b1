import type { Command } from 'commander';
import { parseRoleArn } from '../../aws/arn.js';
import { lintPolicy } from '../../policy/lint.js';
import { buildPolicyDocument } from '../../policy/profiles.js';
import { policySize, ROLE_INLINE_POLICY_SIZE_LIMIT } from '../../policy/size.js';
import type { CliContext } from '../context.js';
import { EXIT, jsonOption, writeJson, writeLine } from '../output.js';

/** Only partition and account shape the document; this stands in when no role is named. */
const EXAMPLE_ROLE_ARN = 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-example';

interface PolicyFlags {
  profile?: string;
  policyName?: string;
  roleArn?: string;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('policy')
    .description('show the inline policy agentcore-guard writes, its lint findings and its size')
    .option(
      '--profile <profile>',
      'policy profile: least-privilege or seed (default: POLICY_PROFILE or least-privilege)',
    )
    .option('--policy-name <name>', 'inline policy name (default: POLICY_NAME or CodeInterpreterAccess)')
    .option('--role-arn <arn>', "build the document for this role's partition and account", EXAMPLE_ROLE_ARN)
    .addOption(jsonOption())
    .action(async (flags: PolicyFlags) => {
      const config = ctx.config(
        { POLICY_PROFILE: flags.profile, POLICY_NAME: flags.policyName },
        { POLICY_PROFILE: '--profile', POLICY_NAME: '--policy-name' },
      );
      const document = buildPolicyDocument(
        config.policyProfile,
        parseRoleArn(flags.roleArn ?? EXAMPLE_ROLE_ARN),
        config,
      );
      const text = JSON.stringify(document);
      const findings = await lintPolicy(document);
      const size = policySize(text);
      ctx.exit(findings.length > 0 ? EXIT.findings : EXIT.ok);
      if (flags.json) {
        writeJson(ctx.io, {
          profile: config.policyProfile,
          policyName: config.policyName,
          document,
          size,
          sizeLimit: ROLE_INLINE_POLICY_SIZE_LIMIT,
          findings,
        });
        return;
      }
      const out = ctx.io.stdout;
      writeLine(out, `Profile: ${config.policyProfile}    Inline policy name: ${config.policyName}`);
      if (flags.roleArn === EXAMPLE_ROLE_ARN) writeLine(out, 'Role: example account (pass --role-arn for yours)');
      writeLine(out);
      writeLine(out, JSON.stringify(document, null, 2));
      writeLine(out);
      writeLine(
        out,
        `Size: ${size} of the ${ROLE_INLINE_POLICY_SIZE_LIMIT} characters a role's inline policies share (whitespace not counted)`,
      );
      if (findings.length === 0) {
        writeLine(out, 'Lint: every action exists in the IAM catalog.');
        return;
      }
      writeLine(out, `Lint: ${findings.length} finding(s):`);
      for (const f of findings) writeLine(out, `  - ${f.message}`);
    });
}
