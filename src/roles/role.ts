/** A role as the callers know it: the event or the listing usually gives the ARN too. */
export interface RoleRef {
  roleName: string;
  roleArn?: string;
}
