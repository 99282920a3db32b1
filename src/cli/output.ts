import { Option } from 'commander';
import { InvalidAgentRuntimeArnError, InvalidRoleArnError } from '../aws/arn.js';
import { errorMessage, errorName } from '../aws/errors.js';
import { ConfigError } from '../config.js';
import { RoleNotFoundError } from '../permission/report.js';

/** Where signals come from: the process, or an emitter in tests. */
export interface SignalSource {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** Where a command writes and what it runs in: the process, or buffers and a made-up environment in tests. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when a person watches a terminal: progress bars instead of plain lines. */
  isTTY: boolean;
  /** The environment settings are read from (default: the process's). */
  env?: NodeJS.ProcessEnv;
  /** SIGINT and SIGTERM, for commands that must tidy up before they stop (the sweep). */
  signals?: SignalSource;
  /** The Node version to recommend an upgrade from, when the SDK's own notice is replaced by ours. */
  nodeVersion?: string;
}

/** 0 all good · 1 findings or failures · 2 usage, settings, credential or connection errors · 130/143 interrupted. */
export const EXIT = { ok: 0, findings: 1, usage: 2, interrupted: 130, terminated: 143 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad flags, arguments or settings: exit 2, one line saying what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What an error message may name besides the error: where the command was talking to. */
export interface ErrorContext {
  /** `AWS_ENDPOINT_URL`, when set: a wrong one is the usual cause of an answer that is not AWS's. */
  endpoint?: string | undefined;
  /** Set when the peer is a local agent (`verify --local`), not AWS. */
  localAgent?: string | undefined;
  /** `AWS_PROFILE`, when set: the credentials came (or did not) from it. */
  profile?: string | undefined;
}

const EXPIRED_ERROR_NAMES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidSignatureException',
]);

/** Connection failures by their system (or undici) code, each with what it means. */
const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing accepts connections there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved just now',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate is not trusted",
};

/** The code of a connection failure, wherever it sits: on the error, on its cause, or only in its message. */
function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_ERRORS) return code;
  }
  const named = new RegExp(`\\b(${Object.keys(NETWORK_ERRORS).join('|')})\\b`).exec(errorMessage(error));
  return named?.[1];
}

const httpStatusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/**
 * True when what came back was not an AWS API answer: a web page from a wrong endpoint or a proxy. The SDK then
 * fails to parse it, or names the error "Unknown" for want of an error code.
 */
function isForeignAnswer(error: unknown, name: string, message: string): boolean {
  const contentType = (error as { $response?: { headers?: Record<string, string> } } | undefined)?.$response?.headers?.[
    'content-type'
  ];
  if (contentType?.startsWith('text/html')) return true;
  if (/XML parse error|Deserialization error|is not valid JSON|Unexpected token '<'/.test(message)) return true;
  return /^Unknown(Error)?$/.test(message) || (/^Unknown(Error)?$/.test(name) && httpStatusOf(error) !== undefined);
}

/**
 * One line for the person at the terminal, and the exit code, for any error a command let through: what went wrong,
 * its cause, and what to do next. Never the SDK's internals.
 */
export function describeError(error: unknown, context: ErrorContext = {}): { exitCode: ExitCode; message: string } {
  const name = errorName(error) ?? '';
  const message = firstLine(errorMessage(error));
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof InvalidRoleArnError ||
    error instanceof InvalidAgentRuntimeArnError ||
    error instanceof RoleNotFoundError
  ) {
    return { exitCode: EXIT.usage, message };
  }
  if (EXPIRED_ERROR_NAMES.has(name) || (name === 'TokenProviderError' && /expired/i.test(message))) {
    return {
      exitCode: EXIT.usage,
      message:
        `Your AWS session has expired (${name}: ${message}). Refresh it (for SSO: \`aws sso login --profile <name>\`; ` +
        'otherwise new temporary keys), then retry.',
    };
  }
  if (CREDENTIAL_ERROR_NAMES.has(name) && context.profile) {
    return {
      exitCode: EXIT.usage,
      message:
        `The AWS profile "${context.profile}" (AWS_PROFILE) gave no credentials AWS accepts (${name}: ${message}). ` +
        `For SSO, run \`aws sso login --profile ${context.profile}\`; otherwise check the profile's keys or role, then retry.`,
    };
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
  const code = networkCode(error);
  if (code) {
    const where = context.localAgent ?? context.endpoint ?? 'the AWS endpoint';
    const next = context.localAgent
      ? 'Start the agent (e.g. `agentcore launch --local`) or correct --local'
      : 'Check the network, AWS_REGION and AWS_ENDPOINT_URL';
    return {
      exitCode: EXIT.usage,
      message: `Cannot reach ${where} (${code}: ${NETWORK_ERRORS[code]}). ${next}, then retry.`,
    };
  }
  if (isForeignAnswer(error, name, message)) {
    const status = httpStatusOf(error);
    const answered = status ? `answered HTTP ${status}` : 'answered';
    if (context.localAgent) {
      return {
        exitCode: EXIT.usage,
        message: `${context.localAgent} ${answered} with something that is not an agent's reply. Check --local: an agent serves POST /invocations.`,
      };
    }
    const where = context.endpoint ? `The endpoint ${context.endpoint} (AWS_ENDPOINT_URL)` : 'The AWS endpoint';
    return {
      exitCode: EXIT.usage,
      message:
        `${where} ${answered} with something that is not an AWS API response (a web page or a proxy's answer?). ` +
        'Check AWS_ENDPOINT_URL, AWS_REGION and any proxy settings, then retry.',
    };
  }
  return { exitCode: EXIT.findings, message: `${name || 'Error'}: ${message}` };
}

/** The SDK appends advice about hidden fields on a second line; a person needs the first. */
function firstLine(text: string): string {
  return (text.split('\n', 1)[0] ?? '').trim();
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

/** `--json`: every command offers it. */
export function jsonOption(): Option {
  return new Option('--json', 'print machine-readable JSON on stdout instead of text');
}
