import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Beacon } from '#core/crypto/beacons.ts';
import type { EmailRepository, EmailStatus, SealedFields, StoredEmail, StoredResult } from '#core/ports.ts';
import { isConditionalCheckFailure } from './document-client.ts';
import { beaconIndexKey, emailKey } from './keys.ts';

/** A transaction holds 100 items: the email and at most 99 beacons (recipients beyond are not indexed). */
const maxIndexedBeacons = 99;

/** The transaction failed because the email exists (its condition), not for another reason. */
const isCancelledByCondition = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'TransactionCanceledException' &&
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.[0]?.Code ?? '') ===
    'ConditionalCheckFailed';

interface EmailItem {
  pk: string;
  sk: string;
  tenant: string;
  id: string;
  status: EmailStatus;
  source: StoredEmail['source'];
  receivedAt: string;
  expiresAt: number;
  sizeBytes: number;
  enqueued: boolean;
  envelope: { format: number; branchVersion: number; wrappedKey: Uint8Array; signature: Uint8Array };
  fields: Record<string, Uint8Array>;
  beacons: Beacon[];
  score?: number;
  verdict?: StoredResult['verdict'];
  modelVersion?: string;
  analyzedAt?: string;
  findings?: Uint8Array;
  failureReason?: string;
  failedAt?: string;
  receipt?: StoredEmail['receipt'];
}

const toItem = (email: StoredEmail): EmailItem => ({
  ...emailKey(email.tenant, email.id),
  tenant: email.tenant,
  id: email.id,
  status: email.status,
  source: email.source,
  receivedAt: email.receivedAt,
  expiresAt: email.expiresAt,
  sizeBytes: email.sizeBytes,
  enqueued: email.enqueued,
  envelope: { ...email.envelope },
  fields: { ...email.fields },
  beacons: email.beacons.map((beacon) => ({ ...beacon })),
  ...(email.receipt && { receipt: { ...email.receipt } }),
});

const fromItem = (item: EmailItem): StoredEmail => ({
  tenant: item.tenant,
  id: item.id,
  status: item.status,
  source: item.source,
  receivedAt: item.receivedAt,
  expiresAt: item.expiresAt,
  sizeBytes: item.sizeBytes,
  enqueued: item.enqueued,
  envelope: item.envelope,
  fields: item.fields as SealedFields,
  beacons: item.beacons ?? [],
  ...(item.receipt && { receipt: item.receipt }),
  ...(item.findings && item.verdict && item.modelVersion && item.analyzedAt && item.score !== undefined
    ? {
        result: {
          score: item.score,
          verdict: item.verdict,
          modelVersion: item.modelVersion,
          analyzedAt: item.analyzedAt,
          sealedFindings: item.findings,
        },
      }
    : {}),
  ...(item.failureReason && item.failedAt
    ? { failure: { reason: item.failureReason, failedAt: item.failedAt } }
    : {}),
});

export class DynamoDbEmailRepository implements EmailRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The email and its beacon index entries in one transaction: an email is never findable
   * without existing, nor stored without being findable.
   */
  async createIfAbsent(email: StoredEmail) {
    const indexEntries = email.beacons.slice(0, maxIndexedBeacons).map((beacon) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          ...beaconIndexKey(email.tenant, beacon, email.receivedAt, email.id),
          id: email.id,
          expiresAt: email.expiresAt,
        },
      },
    }));
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(email),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...indexEntries,
          ],
        }),
      );
      return { created: true as const };
    } catch (error) {
      if (!isCancelledByCondition(error)) throw error;
      const stored = await this.get(email.tenant, email.id);
      if (!stored) throw error;
      return { created: false as const, existing: stored };
    }
  }

  async get(tenant: string, id: string): Promise<StoredEmail | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: emailKey(tenant, id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item as EmailItem) : null;
  }

  async findByBeacon(tenant: string, beacon: Beacon, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': beaconIndexKey(tenant, beacon, '', '').pk },
          ProjectionExpression: 'id',
          ScanIndexForward: false,
          Limit: limit - ids.length,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      ids.push(...(Items ?? []).map((item) => String(item.id)));
      startKey = LastEvaluatedKey;
    } while (startKey && ids.length < limit);
    return ids;
  }

  async delete(email: StoredEmail): Promise<boolean> {
    const indexEntries = email.beacons.slice(0, maxIndexedBeacons).map((beacon) => ({
      Delete: {
        TableName: this.tableName,
        Key: beaconIndexKey(email.tenant, beacon, email.receivedAt, email.id),
      },
    }));
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: emailKey(email.tenant, email.id),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            ...indexEntries,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelledByCondition(error)) return false;
      throw error;
    }
  }

  async markEnqueued(tenant: string, id: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: emailKey(tenant, id),
        UpdateExpression: 'SET enqueued = :true',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async recordResult(tenant: string, id: string, result: StoredResult): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(tenant, id),
          UpdateExpression:
            'SET #status = :analyzed, score = :score, verdict = :verdict, modelVersion = :modelVersion, ' +
            'analyzedAt = :analyzedAt, findings = :findings REMOVE failureReason, failedAt',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :analyzed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':analyzed': 'analyzed',
            ':score': result.score,
            ':verdict': result.verdict,
            ':modelVersion': result.modelVersion,
            ':analyzedAt': result.analyzedAt,
            ':findings': result.sealedFindings,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async markFailed(tenant: string, id: string, reason: string, failedAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(tenant, id),
          UpdateExpression: 'SET #status = :failed, failureReason = :reason, failedAt = :failedAt',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :analyzed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':analyzed': 'analyzed',
            ':reason': reason,
            ':failedAt': failedAt,
          },
        }),
      );
    } catch (error) {
      // Analysed meanwhile, or gone: either way there is nothing to mark.
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }
}
