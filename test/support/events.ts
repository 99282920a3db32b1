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
