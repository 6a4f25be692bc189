import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BranchKeyRecord, BranchKeyRepository } from '#core/crypto/branch-keyring.ts';
import { isConditionalCheckFailure } from './document-client.ts';
import { branchKeyKey, branchKeyPrefix, tenantKey } from './keys.ts';

interface BranchKeyItem extends BranchKeyRecord {
  readonly pk: string;
  readonly sk: string;
}

const fromItem = ({ tenant, version, wrapped, createdAt }: BranchKeyItem): BranchKeyRecord => ({
  tenant,
  version,
  wrapped,
  createdAt,
});

/** A tenant's branch keys, next to its tenant item; versions sort by their zero-padded sort key. */
export class DynamoDbBranchKeyRepository implements BranchKeyRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async latest(tenant: string): Promise<BranchKeyRecord | null> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tenantKey(tenant).pk, ':prefix': branchKeyPrefix },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const [item] = (Items ?? []) as BranchKeyItem[];
    return item ? fromItem(item) : null;
  }

  async get(tenant: string, version: number): Promise<BranchKeyRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: branchKeyKey(tenant, version), ConsistentRead: true }),
    );
    return Item ? fromItem(Item as BranchKeyItem) : null;
  }

  async createIfAbsent(record: BranchKeyRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...branchKeyKey(record.tenant, record.version), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }
}
