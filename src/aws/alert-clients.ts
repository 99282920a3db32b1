import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Config } from '../config.js';

// The alert state's and the alerts topic's clients, in a module of their own so that a function that alerts rarely
// can load them on first use (src/alerts/notifier.ts) instead of at every cold start.

export function createDynamoDbClient(config: Pick<Config, 'region'>): DynamoDBClient {
  return new DynamoDBClient({ region: config.region });
}

export function createSnsClient(config: Pick<Config, 'region'>): SNSClient {
  return new SNSClient({ region: config.region });
}
