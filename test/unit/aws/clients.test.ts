import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIamClient } from '../../../src/aws/clients.js';
import { defaultProvider } from '../../../src/aws/lambda-credential-chain.js';
import { loadConfig } from '../../../src/config.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('credential source', () => {
  it('reads credentials from the environment inside Lambda', () => {
    // Act
    const config = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'remediate', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' });
    // Assess
    expect(config.credentialSource).toBe('environment');
  });

  it('keeps the default chain outside Lambda, and in a Lambda-like shell without environment keys', () => {
    // Act
    const cli = loadConfig({ AWS_PROFILE: 'dev' });
    const localInvokeWithProfile = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'remediate', AWS_PROFILE: 'dev' });
    // Assess
    expect(cli.credentialSource).toBe('default-chain');
    expect(localInvokeWithProfile.credentialSource).toBe('default-chain');
  });

  it('gives the Lambda IAM client the environment keys and session token', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAMBDA');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 3, credentialSource: 'environment' });
    // Act
    const credentials = await iam.config.credentials();
    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('does not fall back to profiles or instance metadata in Lambda when the keys are missing', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    const iam = createIamClient({ region: 'us-east-1', iamMaxAttempts: 3, credentialSource: 'environment' });
    // Act
    const attempt = iam.config.credentials();
    // Assess
    await expect(attempt).rejects.toThrow(/environment variable credentials/);
  });

  it('resolves the stand-in default chain of the Lambda bundle from the environment', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDBUNDLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    // Act
    const credentials = await defaultProvider()();
    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'AKIDBUNDLE', secretAccessKey: 'secret' });
  });
});
