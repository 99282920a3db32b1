/**
 * The statement that keeps a topic manageable by its own account once a template writes the topic's policy (which
 * replaces SNS's default one): everything an administrator does to a topic, publishing aside, which each template
 * grants on its own terms.
 */
export const topicAdministration = (accountRoot: unknown, topic: unknown) => ({
  Sid: 'AccountAdministers',
  Effect: 'Allow',
  Principal: { AWS: accountRoot },
  Action: [
    'sns:GetTopicAttributes',
    'sns:SetTopicAttributes',
    'sns:AddPermission',
    'sns:RemovePermission',
    'sns:DeleteTopic',
    'sns:Subscribe',
    'sns:ListSubscriptionsByTopic',
  ],
  Resource: topic,
});
