import { parse } from '@aws-sdk/util-arn-parser';
import {
  asList,
  decodePolicyDocument,
  MalformedPolicyDocumentError,
  type PolicyStatement,
  statementsOf,
} from '../policy/document.js';

/** The only principal a role of ours may trust: the AgentCore runtime service. */
export const AGENTCORE_SERVICE_PRINCIPAL = 'bedrock-agentcore.amazonaws.com';

/** Whether a role's trust policy lets only AgentCore, acting for this account, assume it; and if not, why. */
export type TrustVerdict = { trusted: true } | { trusted: false; reason: string };

/**
 * The trust gate. A role may be written to only when every `Allow` statement of its trust policy names exactly the
 * AgentCore service principal, at least one does, and no condition ties it to another account (`aws:SourceAccount`,
 * or the account in `aws:SourceArn`). Conditions are otherwise fine (the toolkit's narrow the role further);
 * `Deny` statements only take access away. Anything else (an AWS account or role, `*`, a federated or another
 * service principal, `NotPrincipal`) could hand our grant to someone AgentCore does not run for.
 */
export function assessTrust(trustPolicy: string | undefined, account: string): TrustVerdict {
  if (!trustPolicy) return untrusted('IAM returned no trust policy for the role');
  let statements: PolicyStatement[];
  try {
    statements = statementsOf(decodePolicyDocument(trustPolicy));
  } catch (error) {
    if (error instanceof MalformedPolicyDocumentError) return untrusted('its trust policy could not be read');
    throw error;
  }
  const allows = statements.filter((s) => s.Effect === 'Allow');
  if (allows.length === 0) return untrusted(`no statement lets ${AGENTCORE_SERVICE_PRINCIPAL} assume it`);
  for (const statement of allows) {
    const problem = principalProblem(statement) ?? conditionProblem(statement, account);
    if (problem) return untrusted(problem);
  }
  return { trusted: true };
}

const untrusted = (reason: string): TrustVerdict => ({ trusted: false, reason });

function principalProblem(statement: PolicyStatement): string | undefined {
  if (statement.NotPrincipal !== undefined) return 'its trust policy allows by NotPrincipal (everyone but someone)';
  const principal = statement.Principal;
  if (principal === '*') return 'its trust policy lets any principal ("*") assume it';
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) {
    return 'its trust policy has an Allow statement without a principal map';
  }
  const others = Object.entries(principal as Record<string, unknown>).flatMap(([type, values]) =>
    asList(values as string | string[])
      .filter((value) => !(type === 'Service' && value === AGENTCORE_SERVICE_PRINCIPAL))
      .map((value) => `${type} ${JSON.stringify(value)}`),
  );
  if (others.length > 0) return `its trust policy also lets ${others.join(', ')} assume it`;
  if (!asList((principal as { Service?: string | string[] }).Service).includes(AGENTCORE_SERVICE_PRINCIPAL)) {
    return `its trust policy has an Allow statement that does not name ${AGENTCORE_SERVICE_PRINCIPAL}`;
  }
  return undefined;
}

/** Every value of a condition key, whatever operator it sits under (keys are case-insensitive in IAM). */
function conditionValues(statement: PolicyStatement, key: string): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((keys) =>
    Object.entries(keys)
      .filter(([name]) => name.toLowerCase() === key)
      .flatMap(([, values]) => asList(values as string | string[]).map(String)),
  );
}

function conditionProblem(statement: PolicyStatement, account: string): string | undefined {
  const foreignAccounts = conditionValues(statement, 'aws:sourceaccount').filter((value) => value !== account);
  if (foreignAccounts.length > 0) {
    return `its trust policy serves AgentCore for another account (aws:SourceAccount ${foreignAccounts.join(', ')})`;
  }
  const foreignArns = conditionValues(statement, 'aws:sourcearn').filter((value) => {
    try {
      const { accountId } = parse(value);
      return /^\d{12}$/.test(accountId) && accountId !== account;
    } catch {
      return false;
    }
  });
  if (foreignArns.length > 0) {
    return `its trust policy serves AgentCore for another account (aws:SourceArn ${foreignArns.join(', ')})`;
  }
  return undefined;
}
