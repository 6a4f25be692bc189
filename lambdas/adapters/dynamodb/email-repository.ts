import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EmailRepository, EmailStatus, SealedFields, StoredEmail, StoredResult } from '#core/ports.ts';
import { isConditionalCheckFailure } from './document-client.ts';
import { emailKey } from './keys.ts';

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

  async createIfAbsent(email: StoredEmail) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(email),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true as const };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
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
