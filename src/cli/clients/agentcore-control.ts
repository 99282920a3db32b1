// Loaded on a command's first AgentCore control-plane client (see CliContext.clients).
export { agentCoreControlClientsByRegion } from '../../aws/clients.js';
