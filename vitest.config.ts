import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
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
    ],
  },
});
