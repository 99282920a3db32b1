import { parseRoleArn } from '../../aws/arn.js';
import { broadGrants, describeBroadGrants } from '../../policy/broad-grants.js';
import { lintPolicy } from '../../policy/lint.js';
import { buildPolicyDocument } from '../../policy/profiles.js';
import { policySize, ROLE_INLINE_POLICY_SIZE_LIMIT } from '../../policy/size.js';
import { type CliContext, overridesFrom } from '../context.js';
import { EXAMPLE_ROLE_ARN } from '../flags.js';
import { EXIT, writeJson, writeLine } from '../output.js';

export interface PolicyFlags {
  profile?: string;
  policyName?: string;
  roleArn?: string;
  customInterpreters?: boolean;
  json?: boolean;
}

export async function runPolicy(ctx: CliContext, flags: PolicyFlags, cli: string): Promise<void> {
  const config = ctx.config(
    {
      POLICY_PROFILE: flags.profile,
      POLICY_NAME: flags.policyName,
      CUSTOM_INTERPRETERS: overridesFrom(flags).CUSTOM_INTERPRETERS,
    },
    { POLICY_PROFILE: '--profile', POLICY_NAME: '--policy-name', CUSTOM_INTERPRETERS: '--custom-interpreters' },
  );
  const document = buildPolicyDocument(config.policyProfile, parseRoleArn(flags.roleArn ?? EXAMPLE_ROLE_ARN), config);
  const text = JSON.stringify(document);
  const findings = await lintPolicy(document);
  const size = policySize(text);
  const broad = broadGrants(document);
  ctx.exit(findings.length > 0 ? EXIT.findings : EXIT.ok);
  // Whoever copies this document should know what else it hands out; a warning, not a failure: the profile is a
  // choice someone made.
  if (broad.length > 0) {
    writeLine(
      ctx.io.stderr,
      `${cli}: warning: the ${config.policyProfile} profile grants more than the Code Interpreter needs:`,
    );
    for (const line of describeBroadGrants(broad)) writeLine(ctx.io.stderr, `  ${line}`);
  }
  if (flags.json) {
    writeJson(ctx.io, {
      profile: config.policyProfile,
      policyName: config.policyName,
      customInterpreters: config.customInterpreters,
      document,
      size,
      sizeLimit: ROLE_INLINE_POLICY_SIZE_LIMIT,
      findings,
      broadGrants: broad,
    });
    return;
  }
  const out = ctx.io.stdout;
  const custom = config.policyProfile === 'least-privilege' && config.customInterpreters;
  writeLine(
    out,
    `Profile: ${config.policyProfile}${custom ? ' with custom interpreters' : ''}    Inline policy name: ${config.policyName}`,
  );
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
}
