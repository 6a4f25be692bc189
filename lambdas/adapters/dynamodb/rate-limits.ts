import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LimitRecord, RateLimitStore } from '#core/ratelimit/sliding-window.ts';
import { rateLimitKey } from './auth-keys.ts';
import { isConditionalCheckFailure } from './document-client.ts';

/**
 * Rate-limit windows and brute-force records: one small item per limited key, replaced whole
 * by a PutItem conditional on the version read (optimistic concurrency), expired by TTL.
 */
export class DynamoDbRateLimits implements RateLimitStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: string): Promise<LimitRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: rateLimitKey(key), ConsistentRead: true }),
    );
    if (!Item) return null;
    const { hits, version, blockedUntil, level, lastBlockAt } = Item as LimitRecord;
    return {
      hits: [...(hits ?? [])],
      version,
      ...(blockedUntil !== undefined && { blockedUntil }),
      ...(level !== undefined && { level }),
      ...(lastBlockAt !== undefined && { lastBlockAt }),
    };
  }

  async put(
    key: string,
    record: Omit<LimitRecord, 'version'>,
    expectedVersion: number,
    expiresAt: number,
  ): Promise<boolean> {
    const { hits, blockedUntil, level, lastBlockAt } = record;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...rateLimitKey(key),
            hits: [...hits],
            version: expectedVersion + 1,
            blockedUntil,
            level,
            lastBlockAt,
            expiresAt,
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion !== 0 && { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }
}
