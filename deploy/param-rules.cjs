'use strict';
/** What every `--param` resolver shares: reading a param, and one error shape that says what was expected. */

const BOOLEANS = { true: 'true', false: 'false', 1: 'true', 0: 'false', yes: 'true', no: 'false' };

class ParamError extends Error {
  constructor(name, value, expected) {
    super(`--param ${name}=${JSON.stringify(value)} is not valid: expected ${expected}.`);
    this.name = 'ParamError';
    // osls prints the stack of a rejected resolver; the message is the useful part.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The param's value, trimmed; '' when unset. */
async function param(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}`);
  return value == null ? '' : String(value).trim();
}

/** 'true' or 'false', from the spellings src/config.ts also accepts. */
async function bool(resolveVariable, name, fallback) {
  const value = (await param(resolveVariable, name)) || fallback;
  const normalised = BOOLEANS[value.toLowerCase()];
  if (!normalised) throw new ParamError(name, value, 'true or false');
  return normalised;
}

async function positiveInt(resolveVariable, name, fallback, max = Number.MAX_SAFE_INTEGER) {
  const value = (await param(resolveVariable, name)) || String(fallback);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ParamError(name, value, `a whole number from 1 to ${max}`);
  return String(n);
}

module.exports = { ParamError, param, bool, positiveInt };
