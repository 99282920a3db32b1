import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIST_ROLES_PAGE_SIZE, listManagedRoles } from '../../../src/roles/listing.js';
import { describedRole } from '../../support/iam-fixtures.js';

const iamMock = mockClient(IAMClient);
const role = (name: string) => describedRole(name);

describe('listManagedRoles', () => {
  beforeEach(() => iamMock.reset());

  it('follows every ListRoles page and keeps only roles with a configured prefix, as IAM described them', async () => {
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
      { roleName: 'Agent-a', described: role('Agent-a') },
      { roleName: 'Tools-b', described: role('Tools-b') },
      { roleName: 'Agent-c', described: role('Agent-c') },
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
