import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The machine runs Node 20; Lambda runs Node 22. The SDK's notice about that is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Handlers log JSON lines; show them only for a failing test.
    silent: 'passed-only',
    // Integration tests mostly wait (on the emulator, on retry backoffs, on the clock): more files than cores keep
    // both cores busy. One worker per core would leave them idle most of the run.
    maxWorkers: 4,
    // Worker threads, not child processes: a thread costs less CPU to start, which the suite is short of on 2 cores.
    pool: 'threads',
    // The files of a worker run one after another in one module graph: loading the SDK and Powertools again for each
    // file cost most of the unit tests' time. Each file starts with the logger, metrics and environment a new process
    // has (the setup file); src/ keeps no other state for the process; integration files lease the worker's moto
    // servers, wiped (see leaseMoto). `--sequence.shuffle` runs check that no file depends on another.
    isolate: false,
    setupFiles: ['test/support/fresh-process-state.ts'],
    // `npm test -- --coverage` (CI): the share of src/ the tests run, with a floor CI holds.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 90 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // A unit test's timeout catches a hang, not slowness: property runs and the 16 MiB reply are CPU-bound and
          // take several times longer on a busy machine than on an idle one.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // AWS-style retries and waits need room.
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
