import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll } from 'vitest';
import { logger, metrics } from '../../src/observability.js';

// The files of a worker run one after another in one module graph (`isolate: false`). Each starts with the process
// state a new process would give it, and leaves the environment as it found it.

beforeAll(() => {
  // What the environment's POWERTOOLS_LOG_LEVEL (or its absence) gives a logger built now.
  logger.setLogLevel(new Logger().getLevelName());
  logger.resetKeys();
  metrics.clearMetrics();
  metrics.clearDimensions();
  metrics.clearMetadata();
});

// Pointing the SDK at a file's emulator (AWS_ENDPOINT_URL, credentials, region) ends with the file.
const environment = { ...process.env };
afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in environment)) delete process.env[key];
  Object.assign(process.env, environment);
});
