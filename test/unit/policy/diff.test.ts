import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffPolicy, isEmptyChange } from '../../../src/policy/diff.js';
import type { PolicyDocument } from '../../../src/policy/document.js';

// Expected values are written from the documents by hand, not computed by the code under test.

const seed = JSON.parse(
  readFileSync(new URL('../../fixtures/seed-policy.json', import.meta.url), 'utf8'),
) as PolicyDocument;

const CODE_INTERPRETER_ACTIONS = [
  'bedrock-agentcore:StartCodeInterpreterSession',
  'bedrock-agentcore:InvokeCodeInterpreter',
  'bedrock-agentcore:StopCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreterSession',
  'bedrock-agentcore:GetCodeInterpreter',
  'bedrock-agentcore:ListCodeInterpreterSessions',
];
const MANAGED_INTERPRETERS = 'arn:aws:bedrock-agentcore:*:aws:code-interpreter/*';
const OWN_INTERPRETERS = 'arn:aws:bedrock-agentcore:*:123456789012:code-interpreter/*';

const leastPrivilege: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AgentCoreGuardCodeInterpreter',
      Effect: 'Allow',
      Action: CODE_INTERPRETER_ACTIONS,
      Resource: [MANAGED_INTERPRETERS, OWN_INTERPRETERS],
    },
  ],
};

const noChange = { added: [], removed: [] };

describe('diffPolicy', () => {
  it("lists what replacing the seed's hand-applied policy with least privilege adds and removes", () => {
    // Act
    const change = diffPolicy(seed, leastPrivilege);

    // Assess
    expect(change).toEqual({
      actions: {
        added: CODE_INTERPRETER_ACTIONS,
        removed: [
          'bedrock-agentcore:*',
          'bedrock:InvokeModel',
          'bedrock:InvokeModelWithResponseStream',
          'bedrock:InvokeCodeInterpreter',
          'bedrock:ExecuteCode',
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ],
      },
      resources: { added: [MANAGED_INTERPRETERS, OWN_INTERPRETERS], removed: ['*'] },
      conditions: { added: [], removed: [], changed: [] },
      other: [],
    });
  });

  it('lists every action and resource as added when the role has no policy yet', () => {
    // Act
    const change = diffPolicy(undefined, leastPrivilege);

    // Assess
    expect(change.actions).toEqual({ added: CODE_INTERPRETER_ACTIONS, removed: [] });
    expect(change.resources).toEqual({ added: [MANAGED_INTERPRETERS, OWN_INTERPRETERS], removed: [] });
    expect(change.other).toEqual([]);
  });

  it('finds no change when only action case, list order, single values and Sids differ', () => {
    // Prepare
    const respelt: PolicyDocument = {
      Version: '2012-10-17',
      Statement: {
        Sid: 'Renamed',
        Effect: 'Allow',
        Action: [...CODE_INTERPRETER_ACTIONS].reverse().map((a) => a.toLowerCase()),
        Resource: [OWN_INTERPRETERS, MANAGED_INTERPRETERS],
      },
    };

    // Act
    const change = diffPolicy(respelt, leastPrivilege);

    // Assess
    expect(isEmptyChange(change)).toBe(true);
  });

  it('names one action that is missing, spelt as the desired policy spells it', () => {
    // Prepare
    const current: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: CODE_INTERPRETER_ACTIONS.filter((a) => !a.endsWith('StopCodeInterpreterSession')).map((a) =>
            a.toUpperCase(),
          ),
          Resource: [MANAGED_INTERPRETERS, OWN_INTERPRETERS],
        },
      ],
    };

    // Act
    const change = diffPolicy(current, leastPrivilege);

    // Assess
    expect(change.actions).toEqual({ added: ['bedrock-agentcore:StopCodeInterpreterSession'], removed: [] });
    expect(change.resources).toEqual(noChange);
  });

  it('names a condition key whose values differ, and one that only the current policy has', () => {
    // Prepare
    const withConditions = (account: string, extra: boolean): PolicyDocument => ({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'bedrock-agentcore:InvokeCodeInterpreter',
          Resource: MANAGED_INTERPRETERS,
          Condition: {
            StringEquals: { 'aws:SourceAccount': account },
            ...(extra ? { Bool: { 'aws:SecureTransport': 'true' } } : {}),
          },
        },
      ],
    });

    // Act
    const change = diffPolicy(withConditions('111111111111', true), withConditions('222222222222', false));

    // Assess
    expect(change.conditions).toEqual({
      added: [],
      removed: ['Bool aws:SecureTransport'],
      changed: ['StringEquals aws:SourceAccount'],
    });
    expect(change.actions).toEqual(noChange);
  });

  it('reads condition keys without case and a single condition value as a one-element list', () => {
    // Prepare
    const spelt = (key: string, value: string | string[]): PolicyDocument => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'a:B', Resource: '*', Condition: { StringEquals: { [key]: value } } }],
    });

    // Act
    const change = diffPolicy(spelt('aws:sourceaccount', '111111111111'), spelt('aws:SourceAccount', ['111111111111']));

    // Assess
    expect(isEmptyChange(change)).toBe(true);
  });

  it('reports a Deny statement the write would remove, which the action list cannot show', () => {
    // Prepare
    const withDeny: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        ...(leastPrivilege.Statement as object[]),
        { Effect: 'Deny', Action: 'bedrock-agentcore:InvokeCodeInterpreter', Resource: '*' },
      ],
    } as PolicyDocument;

    // Act
    const change = diffPolicy(withDeny, leastPrivilege);

    // Assess
    expect(change.actions).toEqual(noChange);
    expect(change.other).toEqual(['removed: Deny bedrock-agentcore:InvokeCodeInterpreter on *']);
  });

  it('says so when the same actions and resources are only paired differently', () => {
    // Prepare
    const paired = (first: string, second: string): PolicyDocument => ({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'a:One', Resource: first },
        { Effect: 'Allow', Action: 'a:Two', Resource: second },
      ],
    });

    // Act
    const change = diffPolicy(paired('arn:x', 'arn:y'), paired('arn:y', 'arn:x'));

    // Assess
    expect(change.actions).toEqual(noChange);
    expect(change.resources).toEqual(noChange);
    expect(change.other).toEqual(['the same actions and resources, grouped into statements differently']);
  });
});
