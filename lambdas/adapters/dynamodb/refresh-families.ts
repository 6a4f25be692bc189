import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FamilyRotation, RefreshFamily, RefreshFamilyStore } from '#core/auth/refresh-tokens.ts';
import { refreshFamilyKey } from './auth-keys.ts';
import { isConditionalCheckFailure } from './document-client.ts';

const familyFrom = (item: Record<string, unknown>): RefreshFamily => {
  const family = item as unknown as RefreshFamily & { pk?: string; sk?: string };
  return {
    id: family.id,
    tenant: family.tenant,
    subject: family.subject,
    role: family.role,
    generation: family.generation,
    currentHash: family.currentHash,
    ...(family.previousHash !== undefined && { previousHash: family.previousHash }),
    rotatedAt: family.rotatedAt,
    createdAt: family.createdAt,
    expiresAt: family.expiresAt,
    ...(family.revokedAt !== undefined && { revokedAt: family.revokedAt }),
    liveTokens: { ...(family.liveTokens ?? {}) },
  };
};

/**
 * Refresh-token families, one item each. Rotation is one UpdateItem conditional on the
 * generation the caller read and on the family not being revoked: DynamoDB serialises writes
 * to an item, so of two rotations from the same generation exactly one succeeds.
 */
export class DynamoDbRefreshFamilies implements RefreshFamilyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(family: RefreshFamily): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...refreshFamilyKey(family.id), ...family, liveTokens: { ...family.liveTokens } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<RefreshFamily | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: refreshFamilyKey(id), ConsistentRead: true }),
    );
    return Item ? familyFrom(Item) : null;
  }

  async rotate(id: string, expectedGeneration: number, next: FamilyRotation): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: refreshFamilyKey(id),
          UpdateExpression:
            'SET generation = :next, currentHash = :current, previousHash = :previous, rotatedAt = :at, liveTokens = :live',
          ConditionExpression:
            'attribute_exists(pk) AND generation = :expected AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: {
            ':next': next.generation,
            ':current': next.currentHash,
            ':previous': next.previousHash,
            ':at': next.rotatedAt,
            ':live': { ...next.liveTokens },
            ':expected': expectedGeneration,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async revoke(id: string, at: number): Promise<{ family: RefreshFamily; first: boolean } | null> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: refreshFamilyKey(id),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!Attributes) return null;
      const before = familyFrom(Attributes);
      const first = before.revokedAt === undefined;
      return { family: first ? { ...before, revokedAt: at } : before, first };
    } catch (error) {
      if (isConditionalCheckFailure(error)) return null;
      throw error;
    }
  }
}
