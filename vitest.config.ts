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
    // Worker threads, not child processes: each test file still gets its own module graph and environment, and
    // starting one costs less CPU than a process, which the suite is short of on a 2-core machine.
    pool: 'threads',
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
          // Unit tests call plain functions over injected clients, so the files of a worker share one module graph:
          // loading the SDK and Powertools again for each file cost most of their time. Each file starts with the
          // logger and metrics a new process has, and `--sequence.shuffle` runs check no file depends on another.
          isolate: false,
          setupFiles: ['test/support/fresh-process-state.ts'],
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
          // As for unit tests, the files of a worker share one module graph. A file leases one of the worker's moto
          // servers, wiped, rather than starting one (see leaseMoto), and src/ keeps no clients for the process.
          isolate: false,
          setupFiles: ['test/support/fresh-process-state.ts'],
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
