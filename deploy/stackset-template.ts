/**
 * The member stack as a StackSet template: the template `serverless package` (osls) writes, with osls's deployment
 * bucket taken out and each function's code read from the administrator account's artifact bucket instead.
 *
 * A StackSet cannot use the deployment bucket: osls creates it inside the stack it deploys and uploads the zips
 * itself, and a stack instance has nobody to upload them. So the transform
 * - removes `ServerlessDeploymentBucket`, its policy and the output that names it;
 * - points each function's `Code` at the `ArtifactBucket` parameter and a key named by the zip's SHA-256
 *   (`agentcore-guard/<version>/<sha256>.zip`): a release whose code changed has a new key, so CloudFormation updates
 *   that function's code, and one whose code did not keeps it;
 * - keeps everything else as packaged (roles and their Deny of IAM writes on roles at a path, alarms, queue, table,
 *   audit role, the organization's parameters), and refuses a template in which anything still names the bucket.
 *
 * A pure function over the parsed template: packaging and hashing happen elsewhere (deploy/org-package.ts).
 */

/** The stack-set parameter that names the artifact bucket (in HOME_REGION: Lambda reads code in its own region). */
export const ARTIFACT_BUCKET_PARAMETER = 'ArtifactBucket';

/** osls's logical ids for its deployment bucket, its policy, and the output that names it. */
export const DEPLOYMENT_BUCKET = 'ServerlessDeploymentBucket';
const DEPLOYMENT_BUCKET_RESOURCES = [DEPLOYMENT_BUCKET, 'ServerlessDeploymentBucketPolicy'] as const;
const DEPLOYMENT_BUCKET_OUTPUT = 'ServerlessDeploymentBucketName';

/** Where every object of a release lives in the artifact bucket. */
export const ARTIFACT_KEY_PREFIX = 'agentcore-guard';

/** S3's rule for bucket names (3–63 of lower-case letters, digits, dots and hyphens). */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The key of a function's zip: its content names it, so two releases with the same code share it. */
export const artifactKey = (version: string, sha256: string): string =>
  `${ARTIFACT_KEY_PREFIX}/${version}/${sha256}.zip`;

/** The key of the StackSet template itself (too large for a TemplateBody: CloudFormation reads it from S3). */
export const templateKey = (version: string, sha256: string): string =>
  `${ARTIFACT_KEY_PREFIX}/${version}/templates/${sha256}.json`;

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  [attribute: string]: unknown;
}

export interface Template {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, Record<string, unknown>>;
  Outputs?: Record<string, unknown>;
  [section: string]: unknown;
}

/** A packaged template the transform cannot make into a StackSet template; the message says what and where. */
export class StackSetTemplateError extends Error {
  override name = 'StackSetTemplateError';
}

/**
 * The StackSet template of a packaged member stack. `codeDigests` maps each zip osls wrote (`remediate.zip`) to the
 * hex SHA-256 of its content; `version` is the release (package.json) the keys are filed under.
 */
export function stackSetTemplate(
  packaged: Template,
  codeDigests: Readonly<Record<string, string>>,
  version: string,
): Template {
  const template = structuredClone(packaged);
  for (const id of DEPLOYMENT_BUCKET_RESOURCES) delete template.Resources[id];
  if (template.Outputs) delete template.Outputs[DEPLOYMENT_BUCKET_OUTPUT];

  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const code = resource.Properties?.Code as { S3Bucket?: unknown; S3Key?: unknown } | undefined;
    if (!isRef(code?.S3Bucket, DEPLOYMENT_BUCKET)) continue;
    const zip = typeof code?.S3Key === 'string' ? code.S3Key.split('/').at(-1) : undefined;
    const digest = zip === undefined ? undefined : codeDigests[zip];
    if (zip === undefined || digest === undefined) {
      throw new StackSetTemplateError(
        `${id}: no SHA-256 for its code (${String(code?.S3Key)}); package again so that every function has its zip.`,
      );
    }
    if (!SHA256_HEX.test(digest)) throw new StackSetTemplateError(`${id}: "${digest}" is not a hex SHA-256.`);
    (resource.Properties as Record<string, unknown>).Code = {
      S3Bucket: { Ref: ARTIFACT_BUCKET_PARAMETER },
      S3Key: artifactKey(version, digest),
    };
  }

  template.Parameters = {
    ...template.Parameters,
    [ARTIFACT_BUCKET_PARAMETER]: {
      Type: 'String',
      AllowedPattern: BUCKET_NAME_PATTERN.source,
      Description:
        'The administrator account bucket (us-east-1) holding the functions code (npm run org -- stage creates it).',
    },
  };

  const left = referencesTo(template, DEPLOYMENT_BUCKET);
  if (left.length > 0) {
    throw new StackSetTemplateError(
      `The packaged template still refers to ${DEPLOYMENT_BUCKET} after the transform, at ${left.join(', ')}: ` +
        'a stack set has no deployment bucket. Point that property at the ArtifactBucket parameter instead.',
    );
  }
  return template;
}

const isRef = (value: unknown, id: string): boolean => (value as { Ref?: unknown } | null)?.Ref === id;

/**
 * Every place in the template that names a resource: `Ref`, `Fn::GetAtt` (list or dotted), `${id}` or `${id.Attr}`
 * in `Fn::Sub`, `DependsOn`. Paths are JSON-pointer-like, for the error message.
 */
export function referencesTo(template: unknown, id: string): string[] {
  const found: string[] = [];
  const sub = new RegExp(`\\$\\{${id}(\\.[A-Za-z0-9]+)?\\}`);
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${path}/${i}`);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}/${key}`;
      const getAtt = key === 'Fn::GetAtt' && (Array.isArray(value) ? value[0] : String(value).split('.')[0]);
      const subText = key === 'Fn::Sub' && (Array.isArray(value) ? value[0] : value);
      const dependsOn: unknown[] = key === 'DependsOn' ? (Array.isArray(value) ? value : [value]) : [];
      if (
        (key === 'Ref' && value === id) ||
        getAtt === id ||
        (typeof subText === 'string' && sub.test(subText)) ||
        dependsOn.includes(id)
      ) {
        found.push(at);
      }
      visit(value, at);
    }
  };
  visit(template, '');
  return found;
}
