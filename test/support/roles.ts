import { CreateRoleCommand, type IAMClient, type Tag } from '@aws-sdk/client-iam';

export const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'bedrock-agentcore.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Creates roles a few at a time (an emulator answers faster in parallel than one by one). */
export async function createRoles(
  iam: IAMClient,
  roles: readonly (string | { name: string; tags?: Tag[] })[],
  concurrency = 16,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < roles.length) {
      const role = roles[next++];
      if (role === undefined) return;
      const { name, tags } = typeof role === 'string' ? { name: role, tags: undefined } : role;
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_POLICY, Tags: tags }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
