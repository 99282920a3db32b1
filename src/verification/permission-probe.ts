import type { IAMClient } from '@aws-sdk/client-iam';
import { checkCodeInterpreterPermissions, type PermissionReport } from './permission.js';

export type { ActionDecision, PermissionReport } from './permission.js';

/**
 * What the health check needs from the permission module: can this role use the Code Interpreter in this region?
 * Injected, so tests can pass a fake; `permissionProbeFor` is the real one.
 */
export type PermissionProbe = (roleArn: string, region: string) => Promise<PermissionReport>;

/** IAM's simulator, falling back to local evaluation where it is unavailable (moto, or no permission to simulate). */
export function permissionProbeFor(iam: IAMClient): PermissionProbe {
  return (roleArn, region) => checkCodeInterpreterPermissions(roleArn, { iam, mode: 'auto', region });
}
