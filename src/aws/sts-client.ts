import { STSClient } from '@aws-sdk/client-sts';
import { HOME_REGION } from '../settings.js';

export function createStsClient(region: string = HOME_REGION): STSClient {
  return new STSClient({ region });
}
