import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The machine runs Node 20; Lambda runs Node 22. The SDK's notice about that is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Handlers log JSON lines; show them only for a failing test.
    silent: 'passed-only',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Each file starts its own emulator; AWS-style retries and waits need room.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The real stack deployed into moto with `serverless deploy`: its own project, run by `npm run test:deploy`
          // (and CI), so that `npm test` stays quick.
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
