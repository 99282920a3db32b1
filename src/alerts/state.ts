import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { errorMessage } from '../aws/errors.js';
import { type HealthResult, type Verdict, verdictKey } from '../verification/verdict.js';
import { type AlertKind, type AlertMessage, formatAlert } from './messages.js';

/** One agent's row. `status` is what was last *announced* (absent until the first announcement or healthy run). */
export interface AlertState {
  agentRuntimeArn: string;
  status?: Verdict;
  reason?: string;
  since?: string;
  lastAlertAt?: string;
  lastAlertKind?: AlertKind;
  lastCheckedAt?: string;
  lastObserved?: string;
  version: number;
  claimToken?: string;
  claimExpiresAt?: number;
}

/** What happened to one result's alert. */
export type AlertOutcome =
  | { action: 'none' }
  | { action: 'published'; kind: AlertKind; messageId?: string }
  /** Another run changed the row between our read and our write: it decides, we stay quiet. */
  | { action: 'lost-race'; kind?: AlertKind }
  /** Another run is publishing for this agent right now. */
  | { action: 'claimed-elsewhere' }
  /** SNS refused: the row is left as it was, so the next run sends the alert again. */
  | { action: 'publish-failed'; kind: AlertKind; error: string };

export interface AlertDeps {
  ddb: DynamoDBClient;
  tableName: string;
  publish: (alert: AlertMessage) => Promise<string | undefined>;
  reminderMs: number;
  now?: () => Date;
  /** How long a claim protects a publish in flight; a crashed run's claim expires after it. */
  claimLeaseMs?: number;
}

/**
 * Alerts without storms. Publish on a change (healthy → failing, failing → healthy) and a reminder every
 * `reminderMs` while failing; otherwise only note the observation.
 *
 * Write order, so that overlapping runs agree and a failed publish is retried:
 *   1. read the row (consistent);
 *   2. claim it: conditional write on `version` (or on absence) that sets a claim token with a short lease —
 *      only the run that wins publishes;
 *   3. publish to SNS;
 *   4a. on success: advance `status`/`lastAlertAt` and drop the claim (conditional on our token);
 *   4b. on failure: drop the claim only. `status` is unchanged, so the next run decides the same alert again.
 */
export async function recordHealthResult(result: HealthResult, deps: AlertDeps): Promise<AlertOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const key = { agentRuntimeArn: { S: result.agentRuntimeArn } };
  const previous = await readAlertState(deps.ddb, deps.tableName, result.agentRuntimeArn);
  if (previous?.claimToken && (previous.claimExpiresAt ?? 0) > now.getTime()) return { action: 'claimed-elsewhere' };

  const kind = decideAlert(previous, result, now, deps.reminderMs);
  const observed = { lastCheckedAt: { S: now.toISOString() }, lastObserved: { S: verdictKey(result) } };
  if (!kind) {
    try {
      await writeObservation(deps, key, previous, result, observed);
      return { action: 'none' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { action: 'lost-race' };
      throw error;
    }
  }

  const token = randomUUID();
  try {
    await claim(deps, key, previous, token, now.getTime() + (deps.claimLeaseMs ?? 60_000));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { action: 'lost-race', kind };
    throw error;
  }

  const since = kind === 'reminder' ? (previous?.since ?? now.toISOString()) : now.toISOString();
  const alert = formatAlert(kind, result, {
    since,
    previousReason: kind === 'recovered' ? previous?.reason : undefined,
  });
  let messageId: string | undefined;
  try {
    messageId = await deps.publish(alert);
  } catch (error) {
    await releaseClaim(deps, key, token, observed);
    return { action: 'publish-failed', kind, error: errorMessage(error) };
  }
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: key,
      UpdateExpression:
        'SET #status = :status, #since = :since, lastAlertAt = :now, lastAlertKind = :kind, lastCheckedAt = :checked, lastObserved = :observed, #version = #version + :one' +
        (result.reason ? ', #reason = :reason' : '') +
        ' REMOVE claimToken, claimExpiresAt' +
        (result.reason ? '' : ', #reason'),
      ConditionExpression: 'claimToken = :token',
      ExpressionAttributeNames: { '#status': 'status', '#since': 'since', '#version': 'version', '#reason': 'reason' },
      ExpressionAttributeValues: {
        ':status': { S: result.verdict },
        ':since': { S: since },
        ':now': { S: now.toISOString() },
        ':kind': { S: kind },
        ':checked': observed.lastCheckedAt,
        ':observed': observed.lastObserved,
        ':one': { N: '1' },
        ':token': { S: token },
        ...(result.reason ? { ':reason': { S: result.reason } } : {}),
      },
    }),
  );
  return { action: 'published', kind, messageId };
}

/** The pure rule: which alert, if any, this result calls for. */
export function decideAlert(
  previous: Pick<AlertState, 'status' | 'lastAlertAt'> | undefined,
  result: Pick<HealthResult, 'verdict'>,
  now: Date,
  reminderMs: number,
): AlertKind | undefined {
  const announced = previous?.status;
  if (result.verdict === 'healthy') return announced === 'failing' ? 'recovered' : undefined;
  if (announced !== 'failing') return 'failing';
  const last = previous?.lastAlertAt ? Date.parse(previous.lastAlertAt) : 0;
  return now.getTime() - last >= reminderMs ? 'reminder' : undefined;
}

export async function readAlertState(
  ddb: DynamoDBClient,
  tableName: string,
  agentRuntimeArn: string,
): Promise<AlertState | undefined> {
  const { Item } = await ddb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { agentRuntimeArn: { S: agentRuntimeArn } },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const s = (name: string) => Item[name]?.S;
  const status = s('status');
  return {
    agentRuntimeArn,
    status: status === 'healthy' || status === 'failing' ? status : undefined,
    reason: s('reason'),
    since: s('since'),
    lastAlertAt: s('lastAlertAt'),
    lastAlertKind: s('lastAlertKind') as AlertKind | undefined,
    lastCheckedAt: s('lastCheckedAt'),
    lastObserved: s('lastObserved'),
    version: Number(Item.version?.N ?? '0'),
    claimToken: s('claimToken'),
    claimExpiresAt: Item.claimExpiresAt?.N ? Number(Item.claimExpiresAt.N) : undefined,
  };
}

type Key = Record<string, AttributeValue>;

/** No alert due: note the check. A first healthy run also records `healthy` (a later failure is then a change). */
async function writeObservation(
  deps: AlertDeps,
  key: Key,
  previous: AlertState | undefined,
  result: HealthResult,
  observed: Record<string, AttributeValue>,
): Promise<void> {
  if (!previous) {
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          ...key,
          ...observed,
          status: { S: result.verdict },
          since: observed.lastCheckedAt as AttributeValue,
          version: { N: '1' },
        },
        ConditionExpression: 'attribute_not_exists(agentRuntimeArn)',
      }),
    );
    return;
  }
  const firstStatus = previous.status ? '' : ', #status = :status, #since = :checked';
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: key,
      UpdateExpression: `SET lastCheckedAt = :checked, lastObserved = :observed, #version = :next${firstStatus}`,
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: {
        '#version': 'version',
        ...(firstStatus ? { '#status': 'status', '#since': 'since' } : {}),
      },
      ExpressionAttributeValues: {
        ':checked': observed.lastCheckedAt as AttributeValue,
        ':observed': observed.lastObserved as AttributeValue,
        ':version': { N: String(previous.version) },
        ':next': { N: String(previous.version + 1) },
        ...(firstStatus ? { ':status': { S: result.verdict } } : {}),
      },
    }),
  );
}

async function claim(deps: AlertDeps, key: Key, previous: AlertState | undefined, token: string, expiresAt: number) {
  if (!previous) {
    // First sight of this agent: the row is created holding the claim and no status (nothing announced yet).
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: { ...key, version: { N: '1' }, claimToken: { S: token }, claimExpiresAt: { N: String(expiresAt) } },
        ConditionExpression: 'attribute_not_exists(agentRuntimeArn)',
      }),
    );
    return;
  }
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: key,
      UpdateExpression: 'SET claimToken = :token, claimExpiresAt = :expires, #version = :next',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: {
        ':token': { S: token },
        ':expires': { N: String(expiresAt) },
        ':version': { N: String(previous.version) },
        ':next': { N: String(previous.version + 1) },
      },
    }),
  );
}

async function releaseClaim(deps: AlertDeps, key: Key, token: string, observed: Record<string, AttributeValue>) {
  try {
    await deps.ddb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: key,
        UpdateExpression:
          'SET lastCheckedAt = :checked, lastObserved = :observed, #version = #version + :one REMOVE claimToken, claimExpiresAt',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':checked': observed.lastCheckedAt as AttributeValue,
          ':observed': observed.lastObserved as AttributeValue,
          ':one': { N: '1' },
          ':token': { S: token },
        },
      }),
    );
  } catch (error) {
    // The lease expires on its own; the next run after it decides again.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
