import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild `alias` in serverless.yml):
 * Lambda always hands the function's role credentials over as environment variables, so the rest of the default chain
 * (SSO, ini files, credential processes, web identity, container and instance metadata, and the STS/SSO clients they
 * need) is code that is bundled, parsed at start and never run. Measured on the remediate bundle: about a third of
 * its minified size. The CLI and the tests keep the real default chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
