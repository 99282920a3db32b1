/** A CloudTrail `CreateRole` record as EventBridge delivers it, trimmed to what a test varies. */
export function createRoleEvent(
  roleName: string,
  overrides: { account?: string; errorCode?: string; id?: string } = {},
) {
  const account = overrides.account ?? '123456789012';
  const failed = overrides.errorCode !== undefined;
  return {
    version: '0',
    id: overrides.id ?? crypto.randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account,
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventTime: new Date().toISOString(),
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateRole',
      awsRegion: 'us-east-1',
      requestParameters: { roleName, path: '/' },
      responseElements: failed
        ? null
        : { role: { roleName, path: '/', arn: `arn:aws:iam::${account}:role/${roleName}` } },
      ...(failed ? { errorCode: overrides.errorCode, errorMessage: 'failed' } : {}),
      eventID: crypto.randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
    },
  };
}

/** What SNS hands a Lambda subscriber: one record carrying `message` (the topic's `lambda` body). */
export function snsEvent(
  message: string,
  options: { topicArn?: string; subject?: string; messageId?: string } = {},
): import('aws-lambda').SNSEvent {
  const topicArn = options.topicArn ?? 'arn:aws:sns:us-east-1:123456789012:alerts';
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:sub`,
        Sns: {
          Type: 'Notification',
          MessageId: options.messageId ?? 'm-1',
          TopicArn: topicArn,
          Subject: options.subject ?? 'subject',
          Message: message,
          Timestamp: '2026-11-26T09:00:00.000Z',
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}
