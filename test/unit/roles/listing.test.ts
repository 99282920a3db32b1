import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIST_ROLES_PAGE_SIZE, listManagedRoles } from '../../../src/roles/listing.js';

const iamMock = mockClient(IAMClient);
const arn = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const role = (name: string) => ({
  RoleName: name,
  Arn: arn(name),
  Path: '/',
  RoleId: `AROA${name}`,
  CreateDate: new Date(),
});

describe('listManagedRoles', () => {
  beforeEach(() => iamMock.reset());

  it('follows every ListRoles page and keeps only roles with a configured prefix, with their ARN', async () => {
    // Prepare
    iamMock
      .on(ListRolesCommand, { Marker: undefined })
      .resolves({ Roles: [role('Agent-a'), role('other')], IsTruncated: true, Marker: 'm1' })
      .on(ListRolesCommand, { Marker: 'm1' })
      .resolves({ Roles: [role('Tools-b'), role('Agent-c')], IsTruncated: false });

    // Act
    const listing = await listManagedRoles(new IAMClient({ region: 'us-east-1' }), ['Agent-', 'Tools-']);

    // Assess
    expect(listing.roles).toEqual([
      { roleName: 'Agent-a', roleArn: arn('Agent-a') },
      { roleName: 'Tools-b', roleArn: arn('Tools-b') },
      { roleName: 'Agent-c', roleArn: arn('Agent-c') },
    ]);
    expect(listing).toMatchObject({ scanned: 4, pages: 2 });
  });

  it("asks for IAM's largest page so that a big account costs few list calls", async () => {
    // Prepare
    iamMock.on(ListRolesCommand).resolves({ Roles: [], IsTruncated: false });

    // Act
    await listManagedRoles(new IAMClient({ region: 'us-east-1' }), ['Agent-']);

    // Assess
    expect(iamMock).toHaveReceivedCommandWith(ListRolesCommand, { MaxItems: LIST_ROLES_PAGE_SIZE });
  });
});
