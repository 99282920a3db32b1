import { Option } from 'commander';
import { InvalidRoleArnError } from '../aws/arn.js';
import { errorMessage, errorName } from '../aws/errors.js';
import { ConfigError } from '../config.js';
import { RoleNotFoundError } from '../permission/report.js';
import { InvalidConcurrencyError } from '../remediation/sweep.js';

/** Where a command writes: the process streams, or buffers in tests. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when a person watches a terminal: progress bars instead of plain lines. */
  isTTY: boolean;
}

/** 0 all good · 1 findings or failures · 2 usage or credential errors. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad flags or arguments: exit 2, one line saying what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidSignatureException',
]);

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT']);

/** One line for the person at the terminal, and the exit code, for any error a command let through. */
export function describeError(error: unknown): { exitCode: ExitCode; message: string } {
  const name = errorName(error) ?? '';
  const message = errorMessage(error).split('\n', 1)[0] ?? '';
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof InvalidRoleArnError ||
    error instanceof InvalidConcurrencyError ||
    error instanceof RoleNotFoundError
  ) {
    return { exitCode: EXIT.usage, message };
  }
  if (CREDENTIAL_ERROR_NAMES.has(name)) {
    return {
      exitCode: EXIT.usage,
      message:
        `AWS credentials were not found or not accepted (${name}: ${message}). Set AWS_PROFILE ` +
        '(for SSO, run `aws sso login --profile <name>` first) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then retry.',
    };
  }
  if (/^AccessDenied/.test(name)) {
    return {
      exitCode: EXIT.usage,
      message: `Your AWS identity may not do this (${message}). Use credentials allowed to call it, then retry.`,
    };
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
    return {
      exitCode: EXIT.usage,
      message: `Cannot reach the AWS endpoint (${code}: ${message}). Check the network, AWS_REGION and AWS_ENDPOINT_URL.`,
    };
  }
  return { exitCode: EXIT.findings, message: `${name || 'Error'}: ${message}` };
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** A plain aligned text table: a header row, a rule, then one line per row. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Parses a positive whole number flag, or says which flag is wrong. */
export function positiveIntegerFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a whole number of at least 1, not "${value}".`);
  return n;
}

/** `--json`: every command offers it. */
export function jsonOption(): Option {
  return new Option('--json', 'print machine-readable JSON on stdout instead of text');
}
