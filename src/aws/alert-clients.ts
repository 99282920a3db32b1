import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { HOME_REGION } from '../settings.js';

// The alert state's and the alerts topic's clients, in a module of their own so that a function that alerts rarely
// can load them on first use (src/alerts/notifier.ts) instead of at every cold start.

export function createDynamoDbClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region });
}

/** The stack's topics live in us-east-1 (see HOME_REGION) unless told otherwise. */
export function createSnsClient(region: string = HOME_REGION): SNSClient {
  return new SNSClient({ region });
}
