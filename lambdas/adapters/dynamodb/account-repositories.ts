import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantRecord, TenantRepository, UserRecord, UserRepository } from '#core/ports.ts';
import { isConditionalCheckFailure } from './document-client.ts';
import { tenantKey, userKey } from './keys.ts';

const putIfAbsent = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
): Promise<boolean> => {
  try {
    await client.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
};

const getItem = async (client: DynamoDBDocumentClient, tableName: string, key: Record<string, string>) => {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
};

export class DynamoDbUserRepository implements UserRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findByUsername(username: string): Promise<UserRecord | null> {
    const item = await getItem(this.client, this.tableName, userKey(username));
    if (!item) return null;
    const { username: name, tenant, role, passwordHash, disabled, createdAt } = item as UserRecord;
    return { username: name, tenant, role, passwordHash, disabled, createdAt };
  }

  createIfAbsent(user: UserRecord): Promise<boolean> {
    return putIfAbsent(this.client, this.tableName, { ...userKey(user.username), ...user });
  }
}

export class DynamoDbTenantRepository implements TenantRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<TenantRecord | null> {
    const item = await getItem(this.client, this.tableName, tenantKey(id));
    if (!item) return null;
    const { name, domains, createdAt } = item as TenantRecord;
    return { id, name, domains, createdAt };
  }

  createIfAbsent(tenant: TenantRecord): Promise<boolean> {
    return putIfAbsent(this.client, this.tableName, {
      ...tenantKey(tenant.id),
      ...tenant,
      domains: [...tenant.domains],
    });
  }
}
