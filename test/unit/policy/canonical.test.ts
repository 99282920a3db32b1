import { describe, expect, it } from 'vitest';
import { canonicalPolicy, samePolicy } from '../../../src/policy/canonical.js';
import {
  decodePolicyDocument,
  MalformedPolicyDocumentError,
  type PolicyDocument,
} from '../../../src/policy/document.js';
import { leastPrivilegePolicy, seedPolicy } from '../../../src/policy/profiles.js';

const role = { partition: 'aws', account: '123456789012', roleName: 'AmazonBedrockAgentCoreSDKRuntime-us-west-2-abc' };

describe('samePolicy', () => {
  it('treats a single action string and a one-element list as equal', () => {
    // Prepare
    const asString: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'a:B', Resource: '*' }],
    };
    const asList: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['a:B'], Resource: ['*'] }],
    };
    // Act
    const same = samePolicy(asString, asList);
    // Assess
    expect(same).toBe(true);
  });

  it('ignores the order of actions, resources and statements, Sids and action case', () => {
    // Prepare
    const ours = leastPrivilegePolicy(role);
    const statement = (ours.Statement as { Action: string[]; Resource: string[] }[])[0]!;
    const shuffled: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SomethingElse',
          Effect: 'Allow',
          Action: [...statement.Action].reverse().map((a) => a.toLowerCase()),
          Resource: [...statement.Resource].reverse(),
        },
      ],
    };
    // Act
    const same = samePolicy(ours, shuffled);
    // Assess
    expect(same).toBe(true);
  });

  it('sees a changed effect as a difference', () => {
    // Prepare
    const allow = seedPolicy();
    const deny: PolicyDocument = structuredClone(allow);
    (deny.Statement as { Effect: string }[])[0]!.Effect = 'Deny';
    // Act / Assess
    expect(samePolicy(allow, deny)).toBe(false);
  });

  it('sees a missing action as a difference', () => {
    // Prepare
    const ours = leastPrivilegePolicy(role);
    const fewer: PolicyDocument = structuredClone(ours);
    (fewer.Statement as { Action: string[] }[])[0]!.Action.pop();
    // Act / Assess
    expect(samePolicy(ours, fewer)).toBe(false);
  });

  it('sees a different resource as a difference', () => {
    // Prepare
    const ours = leastPrivilegePolicy(role, { customInterpreters: true });
    const other = leastPrivilegePolicy({ ...role, account: '210987654321' }, { customInterpreters: true });
    // Act / Assess
    expect(samePolicy(ours, other)).toBe(false);
  });

  it('sees an added condition as a difference', () => {
    // Prepare
    const ours = seedPolicy();
    const conditioned: PolicyDocument = structuredClone(ours);
    (conditioned.Statement as { Condition?: unknown }[])[0]!.Condition = { Bool: { 'aws:SecureTransport': 'true' } };
    // Act / Assess
    expect(samePolicy(ours, conditioned)).toBe(false);
  });

  it('treats a condition value as a string or a one-element list alike', () => {
    // Prepare
    const a: PolicyDocument = {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 'a:B',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x' } },
      },
    };
    const b: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'a:B',
          Resource: '*',
          Condition: { StringEquals: { 'AWS:PrincipalTag/team': ['x'] } },
        },
      ],
    };
    // Act / Assess
    expect(canonicalPolicy(a)).toBe(canonicalPolicy(b));
  });
});

describe('decodePolicyDocument', () => {
  it('decodes the URL-encoded text GetRolePolicy returns', () => {
    // Prepare
    const encoded = encodeURIComponent(JSON.stringify(seedPolicy()));
    // Act
    const doc = decodePolicyDocument(encoded);
    // Assess
    expect(samePolicy(doc, seedPolicy())).toBe(true);
  });

  it('accepts a document that is already plain JSON', () => {
    // Act
    const doc = decodePolicyDocument(JSON.stringify(seedPolicy()));
    // Assess
    expect(samePolicy(doc, seedPolicy())).toBe(true);
  });

  it('rejects text that is not a policy with an error saying how to inspect it', () => {
    // Act / Assess
    expect(() => decodePolicyDocument('%7Bnot%20json')).toThrow(MalformedPolicyDocumentError);
    expect(() => decodePolicyDocument('%7Bnot%20json')).toThrow(/aws iam get-role-policy/);
  });
});
