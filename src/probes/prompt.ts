import { createHash, randomBytes } from 'node:crypto';
import type { HealthProbeName } from '../settings.js';

/** The seed's Step 4 verification prompt, verbatim. */
export const SEED_PROMPT =
  'Calculate 17 * 23. You MUST create a todo item to write Python code to verify the calculation, then execute it using your execute_python tool.';

/**
 * Phrases an agent uses when its code tool did not run. The seed's "before" transcript says 391 while admitting
 * "I couldn't execute it due to access restrictions": the right number alone proves nothing.
 */
export const FAILURE_SIGNS: readonly RegExp[] = [
  /access restrictions?/i,
  /access ?denied/i,
  /not authori[sz]ed to perform/i,
  /\bunauthori[sz]ed\b/i,
  /permission (?:was )?denied/i,
  /(?:issue|problem|error) with the (?:python )?(?:code )?execution environment/i,
  /execution environment (?:issue|problem|error)/i,
  /(?:could ?n[o']t|can ?n[o']t|cannot|unable to|not able to|failed to|was unable to) (?:actually )?(?:execute|run)\b/i,
  /without (?:actually )?(?:executing|running) (?:it|the code)/i,
  /tool (?:call )?(?:failed|error)/i,
];

export function firstFailureSign(reply: string): RegExpExecArray | undefined {
  for (const sign of FAILURE_SIGNS) {
    const match = sign.exec(reply);
    if (match) return match;
  }
  return undefined;
}

/** What a prompt probe concluded from one reply. */
export type Judgement = { pass: true } | { pass: false; reason: 'tool-not-executed' | 'wrong-answer'; detail: string };

/** A prompt and the rule that judges the reply to it. Built fresh per check: `proof` is random each time. */
export interface Probe {
  name: HealthProbeName;
  prompt: string;
  judge(reply: string): Judgement;
}

export interface ProbeOptions {
  customPrompt?: string;
  customExpect?: string;
  /** Injected in tests; 16 random bytes by default. */
  randomHex?: () => string;
}

export class ProbeSettingsError extends Error {
  override name = 'ProbeSettingsError';
}

export function buildProbe(name: HealthProbeName, options: ProbeOptions = {}): Probe {
  if (name === 'proof') return proofProbe(options.randomHex?.() ?? randomBytes(16).toString('hex'));
  if (name === 'seed') return seedProbe();
  if (!options.customPrompt || !options.customExpect) {
    throw new ProbeSettingsError('The custom probe needs a prompt and an expected pattern (--prompt and --expect).');
  }
  return customProbe(options.customPrompt, new RegExp(options.customExpect));
}

/**
 * A model cannot produce the SHA-256 of a string it has never seen without running code: the string is fresh,
 * random and only in this prompt. Pass only if the exact digest is in the reply.
 */
export function proofProbe(randomHex: string): Probe & { token: string; expectedDigest: string } {
  if (!/^[0-9a-f]{32}$/.test(randomHex))
    throw new ProbeSettingsError('proof probe token needs 32 lowercase hex digits');
  const token = `probe-${randomHex}`;
  const expectedDigest = createHash('sha256').update(token, 'utf8').digest('hex');
  const prompt = [
    'Health check. Use your Python code execution tool (execute_python) to run exactly this program:',
    '',
    'import hashlib',
    `print(hashlib.sha256(b"${token}").hexdigest())`,
    '',
    'Reply with the 64-character hexadecimal digest it printed. Do not compute it yourself; if the tool fails, say so.',
  ].join('\n');
  return {
    name: 'proof',
    prompt,
    token,
    expectedDigest,
    judge(reply) {
      if (reply.toLowerCase().includes(expectedDigest)) return { pass: true };
      const sign = firstFailureSign(reply);
      if (sign) return { pass: false, reason: 'tool-not-executed', detail: `the agent reported "${sign[0]}"` };
      return {
        pass: false,
        reason: 'wrong-answer',
        detail: `the reply does not contain the SHA-256 digest of ${token}`,
      };
    },
  };
}

export function seedProbe(): Probe {
  return {
    name: 'seed',
    prompt: SEED_PROMPT,
    judge(reply) {
      const sign = firstFailureSign(reply);
      if (sign) return { pass: false, reason: 'tool-not-executed', detail: `the agent reported "${sign[0]}"` };
      if (!/\b391\b/.test(reply))
        return { pass: false, reason: 'wrong-answer', detail: 'the reply does not contain 391' };
      return { pass: true };
    },
  };
}

export function customProbe(prompt: string, expect: RegExp): Probe {
  return {
    name: 'custom',
    prompt,
    judge(reply) {
      const sign = firstFailureSign(reply);
      if (sign) return { pass: false, reason: 'tool-not-executed', detail: `the agent reported "${sign[0]}"` };
      if (!expect.test(reply))
        return { pass: false, reason: 'wrong-answer', detail: `the reply does not match ${expect}` };
      return { pass: true };
    },
  };
}
