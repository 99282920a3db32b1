/**
 * One organization release, packaged once: the member stack as `serverless package` (osls) writes it, turned into a
 * StackSet template (deploy/stackset-template.ts) whose functions read their code from the artifact bucket, the
 * forwarder template for the other agent regions, and a manifest that names every file, its SHA-256 and its key in the
 * bucket. `npm run org -- stage` uploads what the manifest lists; `deploy` and `update` read it too.
 *
 * The member stack's settings are its `--param`s, read by the rules of src/settings.ts as for a single account: they
 * are packaged into the template's parameter defaults and outputs, so a stack set needs no parameters of its own but
 * the bucket. A setting changed is a new package, staged and rolled out with `update`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOME_REGION, SETTINGS, type SettingName } from '../src/settings.js';
import { forwarderTemplate } from './forwarder-template.js';
import { artifactKey, stackSetTemplate, type Template, templateKey } from './stackset-template.js';

/** A request the org commands refuse before calling AWS; the message says what to do instead. */
export class OrgUsageError extends Error {
  override name = 'OrgUsageError';
}

/** The settings a rollout itself needs (the bucket policy, the forwarders), as the member stack reads them. */
export interface OrgSettings {
  organizationId: string;
  /** Every region agents run in; the forwarders go to all of them but the home region. */
  agentRegions: string[];
  alertEmail?: string;
  centralAlertTopicArn?: string;
  auditAdministratorAccount?: string;
}

export interface ReleaseFile {
  /** Relative to the release folder. */
  file: string;
  sha256: string;
  /** Its key in the artifact bucket. */
  key: string;
}

export interface ReleaseManifest {
  version: string;
  service: string;
  stage: string;
  /** The `--param`s the member stack was packaged with (none is secret: the Slack webhook is an SSM name). */
  params: Record<string, string>;
  settings: OrgSettings;
  /** The regions other than the home region: where the forwarder stack set goes. */
  forwarderRegions: string[];
  memberTemplate: ReleaseFile;
  forwarderTemplate: ReleaseFile;
  /** One zip per function. */
  code: ReleaseFile[];
}

export const MANIFEST_FILE = 'manifest.json';
/** Where `serverless package` writes, inside the release folder. */
const PACKAGED_DIR = 'serverless';
const PACKAGED_TEMPLATE = 'cloudformation-template-update-stack.json';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** `name=value` pairs as given to `--param`; a pair without `=`, or given twice, is refused. */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1)
      throw new OrgUsageError(`--param "${pair}" is not valid: expected name=value, e.g. organizationId=o-a1b2c3d4e5.`);
    const name = pair.slice(0, at);
    if (name in params) throw new OrgUsageError(`--param ${name} is given twice: give it once.`);
    params[name] = pair.slice(at + 1);
  }
  return params;
}

function read<N extends SettingName>(params: Record<string, string>, name: N) {
  const setting = SETTINGS[name];
  const raw = setting.param === undefined ? undefined : params[setting.param];
  const reading = setting.read(raw);
  if (!reading.ok)
    throw new OrgUsageError(
      `--param ${setting.param}=${JSON.stringify(raw ?? '')} is not valid: expected ${reading.expected}.`,
    );
  return reading.value;
}

/** The rollout's settings from the `--param`s, by the member stack's own rules; the organization id is required. */
export function orgSettings(params: Record<string, string>): OrgSettings {
  const organizationId = read(params, 'organizationId') as string | undefined;
  if (organizationId === undefined) {
    throw new OrgUsageError(
      '--param organizationId=o-… is required for an organization rollout: the artifact bucket admits only its accounts, ' +
        'and the audit role only its callers. Find it with: aws organizations describe-organization --query Organization.Id',
    );
  }
  return {
    organizationId,
    agentRegions: read(params, 'agentRegions') as string[],
    alertEmail: read(params, 'alertEmail') as string | undefined,
    centralAlertTopicArn: read(params, 'centralAlertTopicArn') as string | undefined,
    auditAdministratorAccount: read(params, 'auditAdministratorAccount') as string | undefined,
  };
}

const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

/** Runs `serverless package` (osls) into `<releaseDir>/serverless`, offline; resolves with its output or rejects. */
export async function packageMemberStack(
  releaseDir: string,
  options: { stage: string; params: Record<string, string>; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const outDir = join(releaseDir, PACKAGED_DIR);
  await rm(outDir, { recursive: true, force: true });
  const args = [
    join(repoRoot, 'node_modules', 'osls', 'bin', 'serverless.js'),
    'package',
    '--package',
    outDir,
    '--stage',
    options.stage,
    ...Object.entries(options.params).flatMap(([name, value]) => ['--param', `${name}=${value}`]),
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: repoRoot, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new OrgUsageError(`serverless package failed:\n${stdout}${stderr}`));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

/**
 * The release from a folder `serverless package` wrote: hashes each zip, writes the StackSet and forwarder templates
 * and the manifest into `releaseDir`. `packagedDir` defaults to the one packageMemberStack writes.
 */
export async function assembleRelease(
  releaseDir: string,
  options: { params: Record<string, string>; packagedDir?: string },
): Promise<ReleaseManifest> {
  const settings = orgSettings(options.params);
  const packagedDir = options.packagedDir ?? join(releaseDir, PACKAGED_DIR);
  const packaged = JSON.parse(await readFile(join(packagedDir, PACKAGED_TEMPLATE), 'utf8')) as Template;
  const state = JSON.parse(await readFile(join(packagedDir, 'serverless-state.json'), 'utf8')) as {
    service: { service: string; provider: { stage: string } };
  };
  const version = (packaged.Outputs?.Version as { Value?: unknown } | undefined)?.Value;
  if (typeof version !== 'string') {
    throw new OrgUsageError(
      `${PACKAGED_TEMPLATE} has no Version output: package it with this checkout's serverless.yml.`,
    );
  }

  const zips = (await readdir(packagedDir)).filter((name) => name.endsWith('.zip')).sort();
  const digests: Record<string, string> = {};
  const code: ReleaseFile[] = [];
  for (const zip of zips) {
    const digest = sha256(await readFile(join(packagedDir, zip)));
    digests[zip] = digest;
    code.push({
      file: relative(releaseDir, join(packagedDir, zip)),
      sha256: digest,
      key: artifactKey(version, digest),
    });
  }

  const writeTemplate = async (name: string, template: unknown): Promise<ReleaseFile> => {
    const json = `${JSON.stringify(template, null, 2)}\n`;
    await writeFile(join(releaseDir, name), json);
    const digest = sha256(json);
    return { file: name, sha256: digest, key: templateKey(version, digest) };
  };
  await mkdir(releaseDir, { recursive: true });
  const manifest: ReleaseManifest = {
    version,
    service: state.service.service,
    stage: state.service.provider.stage,
    params: options.params,
    settings,
    forwarderRegions: settings.agentRegions.filter((region) => region !== HOME_REGION),
    memberTemplate: await writeTemplate('member-stackset.json', stackSetTemplate(packaged, digests, version)),
    forwarderTemplate: await writeTemplate('forwarder-stackset.json', forwarderTemplate()),
    code,
  };
  await writeFile(join(releaseDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest `package` wrote, or an error that says to package first. */
export async function readManifest(releaseDir: string): Promise<ReleaseManifest> {
  let text: string;
  try {
    text = await readFile(join(releaseDir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new OrgUsageError(
      `No release in ${basename(releaseDir)}/ (${MANIFEST_FILE} is missing): run npm run org -- package --param organizationId=o-… first.`,
    );
  }
  return JSON.parse(text) as ReleaseManifest;
}
