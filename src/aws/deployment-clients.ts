import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { HOME_REGION } from '../settings.js';

// What `agentcore-guard doctor` reads the deployment with, besides STS and SNS.

export function createCloudTrailClient(region: string = HOME_REGION): CloudTrailClient {
  return new CloudTrailClient({ region });
}

export function createEventBridgeClient(region: string = HOME_REGION): EventBridgeClient {
  return new EventBridgeClient({ region });
}
