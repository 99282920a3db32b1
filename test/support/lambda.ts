import type { Context } from 'aws-lambda';
import { ACCOUNT } from './iam-fixtures.js';

/**
 * The Context Lambda hands a function: its ARN (whose account the handlers trust as their own) and a clock that
 * counts down from `remainingMs` in real time, as Lambda's does.
 */
export function lambdaContext(
  options: { functionName?: string; account?: string; region?: string; remainingMs?: number } = {},
): Context {
  const functionName = options.functionName ?? 'agentcore-guard-dev-remediate';
  const region = options.region ?? 'us-east-1';
  const deadline = Date.now() + (options.remainingMs ?? 60_000);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${options.account ?? ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
