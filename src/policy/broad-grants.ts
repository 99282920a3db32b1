import { asList, type PolicyDocument, statementsOf } from './document.js';

/** An Allow statement that reaches further than one service's named actions on named resources. */
export interface BroadGrant {
  sid?: string;
  actions: string[];
  resources: string[];
  /** Why it is broad, in words a reviewer reads: "every resource", "every bedrock-agentcore action", ... */
  reasons: string[];
}

/**
 * The broad grants a policy document makes: `*` or `NotResource` resources, and `*`, `service:*` or `NotAction`
 * actions. The `seed` profile's document is made of them; least-privilege makes none.
 */
export function broadGrants(document: PolicyDocument): BroadGrant[] {
  const grants: BroadGrant[] = [];
  for (const statement of statementsOf(document)) {
    if (statement.Effect !== 'Allow') continue;
    const actions = asList(statement.Action ?? statement.NotAction);
    const resources = asList(statement.Resource ?? statement.NotResource);
    const reasons: string[] = [];
    if (statement.NotAction !== undefined) reasons.push(`every action except ${actions.join(', ')}`);
    for (const action of asList(statement.Action)) {
      if (action === '*') reasons.push('every action of every service');
      else if (action.endsWith(':*')) reasons.push(`every ${action.slice(0, -2)} action`);
    }
    if (statement.NotResource !== undefined) reasons.push(`every resource except ${resources.join(', ')}`);
    else if (resources.includes('*')) reasons.push('every resource');
    if (reasons.length > 0) grants.push({ sid: statement.Sid, actions, resources, reasons });
  }
  return grants;
}

/** One line per broad grant, for a warning: `BedrockAgentCoreAccess: bedrock-agentcore:* on * (every ...)`. */
export function describeBroadGrants(grants: readonly BroadGrant[]): string[] {
  return grants.map(
    (g) => `${g.sid ? `${g.sid}: ` : ''}${g.actions.join(', ')} on ${g.resources.join(', ')} (${g.reasons.join('; ')})`,
  );
}
