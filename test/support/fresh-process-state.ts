import { beforeAll } from 'vitest';
import { logger, metrics } from '../../src/observability.js';

// Files of a worker share one module graph (`isolate: false`). The process-wide logger and metrics are the state
// src/ keeps for a whole process: each file starts with them as a process just started would have them.
const startingLevel = logger.getLevelName();

beforeAll(() => {
  logger.setLogLevel(startingLevel);
  logger.resetKeys();
  metrics.clearMetrics();
  metrics.clearDimensions();
  metrics.clearMetadata();
});
