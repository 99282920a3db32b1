import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildProbe,
  customProbe,
  ProbeSettingsError,
  proofProbe,
  SEED_PROMPT,
  seedProbe,
} from '../../../src/probes/prompt.js';
import { SEED_AFTER, SEED_BEFORE, SEED_BEFORE_WITH_PRODUCT } from '../../fixtures/seed-transcripts.js';

const HEX = '0123456789abcdef0123456789abcdef';

describe('the proof probe', () => {
  it('puts a fresh probe- string with 32 hex digits verbatim in the prompt', () => {
    // Act
    const probe = proofProbe(HEX);
    // Assess
    expect(probe.token).toBe(`probe-${HEX}`);
    expect(probe.prompt).toContain(`probe-${HEX}`);
    expect(probe.prompt).not.toContain(probe.expectedDigest);
  });

  it('expects the real SHA-256 hex digest of that string', () => {
    // Act
    const probe = proofProbe(HEX);
    // Assess
    expect(probe.expectedDigest).toBe(createHash('sha256').update(`probe-${HEX}`).digest('hex'));
  });

  it('passes only when the exact digest is in the reply', () => {
    // Prepare
    const probe = proofProbe(HEX);
    // Act
    const withDigest = probe.judge(`The program printed ${probe.expectedDigest}`);
    const withOther = probe.judge(`The program printed ${proofProbe('f'.repeat(32)).expectedDigest}`);
    // Assess
    expect(withDigest).toEqual({ pass: true });
    expect(withOther).toMatchObject({ pass: false, reason: 'wrong-answer' });
  });

  it('calls a reply that admits the tool failed tool-not-executed', () => {
    // Act
    const judged = proofProbe(HEX).judge("I couldn't execute it due to access restrictions.");
    // Assess
    expect(judged).toMatchObject({ pass: false, reason: 'tool-not-executed' });
  });

  it('draws a different string every time it is built', () => {
    // Act
    const prompts = new Set([1, 2, 3].map(() => buildProbe('proof').prompt));
    // Assess
    expect(prompts.size).toBe(3);
  });
});

describe('the seed probe', () => {
  it("asks the seed's exact verification prompt", () => {
    expect(seedProbe().prompt).toBe(
      'Calculate 17 * 23. You MUST create a todo item to write Python code to verify the calculation, then execute it using your execute_python tool.',
    );
    expect(SEED_PROMPT).toBe(seedProbe().prompt);
  });

  it('fails the "before" transcript although it contains 391', () => {
    // Act
    const judged = seedProbe().judge(SEED_BEFORE_WITH_PRODUCT);
    // Assess
    expect(judged).toMatchObject({ pass: false, reason: 'tool-not-executed' });
  });

  it('fails the verbatim "before" excerpt', () => {
    expect(seedProbe().judge(SEED_BEFORE)).toMatchObject({ pass: false, reason: 'tool-not-executed' });
  });

  it('passes the "after" transcript', () => {
    expect(seedProbe().judge(SEED_AFTER)).toEqual({ pass: true });
  });

  it('calls a clean reply without 391 a wrong answer', () => {
    expect(seedProbe().judge('17 * 23 = 381, verified with Python.')).toMatchObject({
      pass: false,
      reason: 'wrong-answer',
    });
  });

  it.each([
    'AccessDeniedException when calling InvokeCodeInterpreter',
    'I was unable to execute the code.',
    'The tool call failed, but the answer is 391.',
    'I could not run the Python code; 17 * 23 = 391.',
    'There is a problem with the code execution environment. 391',
  ])('treats "%s" as a failure sign', (reply) => {
    expect(seedProbe().judge(reply)).toMatchObject({ pass: false, reason: 'tool-not-executed' });
  });
});

describe('the custom probe', () => {
  it('passes when the reply matches the expected pattern', () => {
    expect(customProbe('2**10?', /\b1024\b/).judge('It is 1024.')).toEqual({ pass: true });
  });

  it('fails when it does not', () => {
    expect(customProbe('2**10?', /\b1024\b/).judge('It is 1000.')).toMatchObject({ reason: 'wrong-answer' });
  });

  it('needs both a prompt and a pattern', () => {
    expect(() => buildProbe('custom', { customPrompt: 'x' })).toThrow(ProbeSettingsError);
  });
});
