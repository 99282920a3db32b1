// What the context loads when a command first asks for an IAM client: this module, and no other service's SDK, so
// that a command pays at start-up only for the services it calls (see CliContext.clients).
export { createIamClient } from '../../aws/clients.js';
