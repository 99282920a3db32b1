// What `doctor` reads besides STS, loaded on its first client of these (see CliContext.clients).
export { createSnsClient } from '../../aws/alert-clients.js';
export { createCloudTrailClient, createEventBridgeClient } from '../../aws/clients.js';
