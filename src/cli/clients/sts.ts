// Loaded on a command's first STS client (see CliContext.clients).
export { createStsClient } from '../../aws/clients.js';
