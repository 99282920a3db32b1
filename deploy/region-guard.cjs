'use strict';
/**
 * Local osls plugin: refuses to package or deploy this stack outside us-east-1.
 *
 * IAM is a global service. Its CloudTrail events (CreateRole, PutRolePolicy, ...) are delivered to EventBridge only
 * on the default event bus of us-east-1, so a rule created in any other region is valid CloudFormation that never
 * fires: the stack would deploy "successfully" and remediate nothing. Failing early is the only honest answer.
 *
 * Two layers:
 *  - before packaging / deploying, the CLI stops with an explanation (the fast path);
 *  - the template carries a CloudFormation `Rules` assertion, so the same template uploaded by other means
 *    (console, StackSets, `aws cloudformation deploy`) is rejected by CloudFormation before any resource is made.
 *    `resources:` in serverless.yml does not accept a top-level `Rules` key, hence it is added here.
 */

const REQUIRED_REGION = 'us-east-1';
const WHY =
  'IAM is global and its CloudTrail events (CreateRole) reach EventBridge only on the us-east-1 default event bus; ' +
  'a rule in any other region would never fire';

class RegionGuard {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    const guard = () => this.assertRegion();
    this.hooks = {
      'before:package:initialize': guard,
      'before:deploy:deploy': guard,
      'before:deploy:function:initialize': guard,
      'before:package:finalize': () => this.addTemplateRule(),
    };
  }

  region() {
    return this.serverless.getProvider('aws').getRegion();
  }

  assertRegion() {
    const region = this.region();
    if (region === REQUIRED_REGION) return;
    throw new this.serverless.classes.Error(
      `agentcore-guard must be deployed to ${REQUIRED_REGION}, not ${region}: ${WHY}. ` +
        `Deploy with --region ${REQUIRED_REGION} (the default); the function still fixes roles made in every region.`,
      'AGENTCORE_GUARD_REGION',
    );
  }

  addTemplateRule() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    template.Rules = {
      ...template.Rules,
      DeployOnlyToUsEast1: {
        Assertions: [
          {
            Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, REQUIRED_REGION] },
            AssertDescription: `This stack must be deployed to ${REQUIRED_REGION}: ${WHY}.`,
          },
        ],
      },
    };
  }
}

module.exports = RegionGuard;
