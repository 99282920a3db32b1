import { describe, expect, it } from 'vitest';
import { describeError } from '../../../src/cli/output.js';

// The SDK's errors as they reach the CLI (shapes observed from SDK v3 against a closed port and a web server);
// the integration tests produce the real ones through real processes.

const sdkError = (name: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { name }, extra);

describe('describeError', () => {
  it('names ECONNREFUSED and the endpoint, exit 2, when nothing listens there', () => {
    // Prepare
    const refused = sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:4599', { code: 'ECONNREFUSED' });

    // Act
    const described = describeError(refused, { endpoint: 'http://127.0.0.1:4599' });

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toMatch(
      /^Cannot reach http:\/\/127\.0\.0\.1:4599 \(ECONNREFUSED: .*\)\. Check the network/,
    );
  });

  it("finds ECONNREFUSED in fetch's cause, not only on the error", () => {
    // Prepare
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' });
    const failed = Object.assign(new TypeError('fetch failed'), { cause });

    // Act
    const described = describeError(failed, { localAgent: 'http://127.0.0.1:8080/' });

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toContain('Cannot reach http://127.0.0.1:8080/ (ECONNREFUSED');
    expect(described.message).toContain('Start the agent');
    expect(described.message).not.toContain('TypeError');
  });

  it('calls a web page from a wrong endpoint what it is, without the XML parser', () => {
    // Prepare
    const parse = sdkError(
      'Error',
      '@aws-sdk XML parse error: mismatched tags <meta> and </head>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
      { $metadata: { httpStatusCode: 404 } },
    );

    // Act
    const described = describeError(parse, { endpoint: 'http://proxy.example:8080' });

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toContain('http://proxy.example:8080 (AWS_ENDPOINT_URL) answered HTTP 404');
    expect(described.message).not.toMatch(/XML|mismatched|Deserialization|\$response/);
  });

  it('reads an error without an error code ("Unknown") as an answer that is not AWS\'s', () => {
    // Prepare
    const unknown = sdkError('Unknown', 'UnknownError', { $metadata: { httpStatusCode: 404 } });

    // Act
    const described = describeError(unknown);

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toContain('answered HTTP 404 with something that is not an AWS API response');
    expect(described.message).not.toContain('Unknown');
  });

  it('says an expired session has expired, and how to refresh it', () => {
    // Act
    const described = describeError(sdkError('ExpiredToken', 'The security token included in the request is expired'));

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toMatch(
      /^Your AWS session has expired \(ExpiredToken: .*\)\. Refresh it .*aws sso login/,
    );
  });

  it('blames the named profile when it gave no credentials', () => {
    // Act
    const described = describeError(
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      {
        profile: 'team',
      },
    );

    // Assess
    expect(described.exitCode).toBe(2);
    expect(described.message).toContain('The AWS profile "team" (AWS_PROFILE) gave no credentials');
    expect(described.message).toContain('aws sso login --profile team');
  });

  it('keeps only the first line of a message', () => {
    // Act
    const described = describeError(sdkError('ServiceFailure', 'It broke.\nDeserialization details'));

    // Assess
    expect(described).toEqual({ exitCode: 1, message: 'ServiceFailure: It broke.' });
  });
});
