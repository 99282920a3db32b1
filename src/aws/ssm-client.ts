import { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../config.js';

export function createSsmClient(config: Pick<Config, 'region'>): SSMClient {
  return new SSMClient({ region: config.region });
}
