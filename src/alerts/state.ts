import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { errorMessage } from '../aws/errors.js';
import type { AlertContext, AlertKind, AlertMessage } from './messages.js';

/** The alert-state table's partition key: what a row is about (an agent runtime ARN, or a finding's own key). */
export const ALERT_STATE_KEY = 'subject';

export type AlertStatus = 'healthy' | 'failing';

const keyOf = (subject: string): Record<string, AttributeValue> => ({ [ALERT_STATE_KEY]: { S: subject } });

/**
 * Something that can be failing or healthy, with one row of alert state: an agent's health, a runtime role's Code
 * Interpreter access, an untrusted role. The message is built only when an alert is due.
 */
export interface AlertSubject {
  key: string;
  status: AlertStatus;
  /** Why it is failing; kept on the row so a recovery can say what it recovered from. */
  reason?: string;
  /** What was seen this time, as one word (`healthy`, or the reason): stored as `lastObserved`. */
  observed: string;
  message(kind: AlertKind, context: AlertContext): AlertMessage;
}

/** One row. `status` is what was last *announced* (absent until the first announcement or healthy observation). */
export interface AlertState {
  subject: string;
  status?: AlertStatus;
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

/** What happened to one subject's alert. */
export type AlertOutcome =
  | { action: 'none' }
  | { action: 'published'; kind: AlertKind; messageId?: string }
  /** Another run changed the row between our read and our write: it decides, we stay quiet. */
  | { action: 'lost-race'; kind?: AlertKind }
  /** Another run is publishing for this subject right now. */
  | { action: 'claimed-elsewhere' }
  /** SNS refused: the row is left as it was, so the next run sends the alert again. */
  | { action: 'publish-failed'; kind: AlertKind; error: string };

export interface AlertDeps {
  ddb: DynamoDBClient;
  tableName: string;
  publish: (alert: AlertMessage) => Promise<string | undefined>;
  /** How often to remind while failing; absent: announce changes only. */
  reminderMs?: number;
  now?: () => Date;
  /** How long a claim protects a publish in flight; a crashed run's claim expires after it. */
  claimLeaseMs?: number;
}

/**
 * Alerts without storms. Publish on a change (healthy → failing, failing → healthy) and, when `reminderMs` is set,
 * a reminder that often while failing; otherwise only note the observation.
 *
 * Write order, so that overlapping runs agree and a failed publish is retried:
 *   1. read the row (consistent);
 *   2. claim it: conditional write on `version` (or on absence) that sets a claim token with a short lease —
 *      only the run that wins publishes;
 *   3. publish to SNS;
 *   4a. on success: advance `status`/`lastAlertAt` and drop the claim (conditional on our token);
 *   4b. on failure: drop the claim only. `status` is unchanged, so the next run decides the same alert again.
 */
export async function recordAlertState(subject: AlertSubject, deps: AlertDeps): Promise<AlertOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const key = keyOf(subject.key);
  const previous = await readAlertState(deps.ddb, deps.tableName, subject.key);
  if (previous?.claimToken && (previous.claimExpiresAt ?? 0) > now.getTime()) return { action: 'claimed-elsewhere' };

  const kind = decideAlert(previous, subject.status, now, deps.reminderMs);
  const observed = { lastCheckedAt: now.toISOString(), lastObserved: subject.observed };
  if (!kind) {
    try {
      await writeObservation(deps, subject, previous, observed);
      return { action: 'none' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { action: 'lost-race' };
      throw error;
    }
  }

  const token = randomUUID();
  try {
    await claim(deps, subject.key, previous, token, now.getTime() + (deps.claimLeaseMs ?? 60_000));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { action: 'lost-race', kind };
    throw error;
  }

  const since = kind === 'reminder' ? (previous?.since ?? now.toISOString()) : now.toISOString();
  const alert = subject.message(kind, {
    since,
    previousReason: kind === 'recovered' ? previous?.reason : undefined,
  });
  let messageId: string | undefined;
  try {
    messageId = await deps.publish(alert);
  } catch (error) {
    await releaseClaim(deps, subject.key, token, observed);
    return { action: 'publish-failed', kind, error: errorMessage(error) };
  }
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: key,
      UpdateExpression:
        'SET #status = :status, #since = :since, lastAlertAt = :now, lastAlertKind = :kind, lastCheckedAt = :lastCheckedAt, lastObserved = :lastObserved, #version = #version + :one' +
        (subject.reason ? ', #reason = :reason' : '') +
        ' REMOVE claimToken, claimExpiresAt' +
        (subject.reason ? '' : ', #reason'),
      ConditionExpression: 'claimToken = :token',
      ExpressionAttributeNames: { '#status': 'status', '#since': 'since', '#version': 'version', '#reason': 'reason' },
      ExpressionAttributeValues: marshall(
        {
          ':status': subject.status,
          ':since': since,
          ':now': now.toISOString(),
          ':kind': kind,
          ':lastCheckedAt': observed.lastCheckedAt,
          ':lastObserved': observed.lastObserved,
          ':one': 1,
          ':token': token,
          ':reason': subject.reason,
        },
        { removeUndefinedValues: true },
      ),
    }),
  );
  return { action: 'published', kind, messageId };
}

/** The pure rule: which alert, if any, this observation calls for. */
export function decideAlert(
  previous: Pick<AlertState, 'status' | 'lastAlertAt'> | undefined,
  status: AlertStatus,
  now: Date,
  reminderMs: number | undefined,
): AlertKind | undefined {
  const announced = previous?.status;
  if (status === 'healthy') return announced === 'failing' ? 'recovered' : undefined;
  if (announced !== 'failing') return 'failing';
  if (reminderMs === undefined) return undefined;
  const last = previous?.lastAlertAt ? Date.parse(previous.lastAlertAt) : 0;
  return now.getTime() - last >= reminderMs ? 'reminder' : undefined;
}

export async function readAlertState(
  ddb: DynamoDBClient,
  tableName: string,
  subjectKey: string,
): Promise<AlertState | undefined> {
  const { Item } = await ddb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: keyOf(subjectKey),
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const row = unmarshall(Item) as Partial<AlertState>;
  return {
    ...row,
    subject: subjectKey,
    status: row.status === 'healthy' || row.status === 'failing' ? row.status : undefined,
    version: row.version ?? 0,
  };
}

type Observation = { lastCheckedAt: string; lastObserved: string };

/** No alert due: note the check. A first healthy observation also records `healthy` (a later failure is a change). */
async function writeObservation(
  deps: AlertDeps,
  subject: AlertSubject,
  previous: AlertState | undefined,
  observed: Observation,
): Promise<void> {
  if (!previous) {
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: marshall({
          [ALERT_STATE_KEY]: subject.key,
          ...observed,
          status: subject.status,
          since: observed.lastCheckedAt,
          version: 1,
        }),
        ConditionExpression: `attribute_not_exists(${ALERT_STATE_KEY})`,
      }),
    );
    return;
  }
  const firstStatus = previous.status ? '' : ', #status = :status, #since = :lastCheckedAt';
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: keyOf(subject.key),
      UpdateExpression: `SET lastCheckedAt = :lastCheckedAt, lastObserved = :lastObserved, #version = :next${firstStatus}`,
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: {
        '#version': 'version',
        ...(firstStatus ? { '#status': 'status', '#since': 'since' } : {}),
      },
      ExpressionAttributeValues: marshall(
        {
          ':lastCheckedAt': observed.lastCheckedAt,
          ':lastObserved': observed.lastObserved,
          ':version': previous.version,
          ':next': previous.version + 1,
          ':status': firstStatus ? subject.status : undefined,
        },
        { removeUndefinedValues: true },
      ),
    }),
  );
}

async function claim(
  deps: AlertDeps,
  subjectKey: string,
  previous: AlertState | undefined,
  token: string,
  expiresAt: number,
) {
  if (!previous) {
    // First sight of this subject: the row is created holding the claim and no status (nothing announced yet).
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: marshall({ [ALERT_STATE_KEY]: subjectKey, version: 1, claimToken: token, claimExpiresAt: expiresAt }),
        ConditionExpression: `attribute_not_exists(${ALERT_STATE_KEY})`,
      }),
    );
    return;
  }
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: keyOf(subjectKey),
      UpdateExpression: 'SET claimToken = :token, claimExpiresAt = :expires, #version = :next',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: marshall({
        ':token': token,
        ':expires': expiresAt,
        ':version': previous.version,
        ':next': previous.version + 1,
      }),
    }),
  );
}

async function releaseClaim(deps: AlertDeps, subjectKey: string, token: string, observed: Observation) {
  try {
    await deps.ddb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: keyOf(subjectKey),
        UpdateExpression:
          'SET lastCheckedAt = :lastCheckedAt, lastObserved = :lastObserved, #version = #version + :one REMOVE claimToken, claimExpiresAt',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: marshall({
          ':lastCheckedAt': observed.lastCheckedAt,
          ':lastObserved': observed.lastObserved,
          ':one': 1,
          ':token': token,
        }),
      }),
    );
  } catch (error) {
    // The lease expires on its own; the next run after it decides again.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
