import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  denyEntryLifetimeSeconds,
  type RevocationStatus,
  type RevocationStore,
  type RevokedToken,
} from '#core/auth/revocation.ts';
import { revocationKey } from './auth-keys.ts';
import { isConditionalCheckFailure } from './document-client.ts';

/** Revoked token ids are top-level attributes `t_<jti>` = exp: one UpdateItem adds many, no read needed. */
const tokenAttributePrefix = 't_';
const tokensPerWrite = 50;

/**
 * The deny-list: one item per subject, read with one strongly consistent GetItem. Each write
 * pushes the item's TTL to now + an access token's longest life, so the item outlives every
 * token it denies and then expires on its own.
 */
export class DynamoDbRevocations implements RevocationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async status(tenant: string, subject: string): Promise<RevocationStatus> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: revocationKey(tenant, subject),
        ConsistentRead: true,
      }),
    );
    if (!Item) return { tokens: {} };
    const tokens: Record<string, number> = {};
    for (const [name, value] of Object.entries(Item)) {
      if (name.startsWith(tokenAttributePrefix) && typeof value === 'number') {
        tokens[name.slice(tokenAttributePrefix.length)] = value;
      }
    }
    return typeof Item.notBefore === 'number' ? { notBefore: Item.notBefore, tokens } : { tokens };
  }

  async revokeTokens(
    tenant: string,
    subject: string,
    tokens: readonly RevokedToken[],
    now: Date,
  ): Promise<void> {
    const ttl = Math.floor(now.getTime() / 1000) + denyEntryLifetimeSeconds;
    for (let start = 0; start < tokens.length; start += tokensPerWrite) {
      const batch = tokens.slice(start, start + tokensPerWrite);
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':ttl': ttl };
      const sets = batch.map((token, i) => {
        names[`#t${i}`] = `${tokenAttributePrefix}${token.tokenId}`;
        values[`:e${i}`] = token.expiresAt;
        return `#t${i} = :e${i}`;
      });
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: revocationKey(tenant, subject),
          UpdateExpression: `SET ${sets.join(', ')}, expiresAt = :ttl`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    }
  }

  async revokeSubject(tenant: string, subject: string, notBefore: number, now: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: revocationKey(tenant, subject),
          UpdateExpression: 'SET notBefore = :nb, expiresAt = :ttl',
          // The watermark only moves forward.
          ConditionExpression: 'attribute_not_exists(notBefore) OR notBefore < :nb',
          ExpressionAttributeValues: {
            ':nb': notBefore,
            ':ttl': Math.floor(now.getTime() / 1000) + denyEntryLifetimeSeconds,
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }
}
