import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { UserAdminRepository } from '#core/auth/users-admin.ts';
import type { TenantRecord, TenantRepository, UserRecord } from '#core/ports.ts';
import type { Role } from '#shared/scopes.ts';
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

/** The tenant's list of its users (usernames are global keys; this lists them per tenant). */
const tenantUserKey = (tenant: string, username: string) => ({
  pk: `TENANT#${tenant}#USERS`,
  sk: `USER#${username}`,
});

export class DynamoDbUserRepository implements UserAdminRepository {
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

  /** The user and its entry in the tenant's list, in one transaction. */
  async createIfAbsent(user: UserRecord): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...userKey(user.username), ...user },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...tenantUserKey(user.tenant, user.username), username: user.username },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      // A failed condition cancels the transaction: the username is taken.
      if (error instanceof Error && error.name === 'TransactionCanceledException') return false;
      throw error;
    }
  }

  async listByTenant(tenant: string): Promise<readonly UserRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TENANT#${tenant}#USERS` },
        Limit: 100,
      }),
    );
    const names = (Items ?? []).map((item) => item.username as string);
    if (names.length === 0) return [];
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: names.map(userKey), ConsistentRead: true } },
      }),
    );
    return (Responses?.[this.tableName] ?? [])
      .map((item) => {
        const { username, tenant: owner, role, passwordHash, disabled, createdAt } = item as UserRecord;
        return { username, tenant: owner, role, passwordHash, disabled, createdAt };
      })
      .filter((user) => user.tenant === tenant)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  async update(
    username: string,
    changes: { readonly role?: Role; readonly disabled?: boolean },
  ): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (changes.role !== undefined) {
      sets.push('#role = :role');
      values[':role'] = changes.role;
    }
    if (changes.disabled !== undefined) {
      sets.push('disabled = :disabled');
      values[':disabled'] = changes.disabled;
    }
    if (sets.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: userKey(username),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(changes.role !== undefined && { ExpressionAttributeNames: { '#role': 'role' } }),
        ExpressionAttributeValues: values,
      }),
    );
  }

  async delete(username: string, tenant: string): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: userKey(username) } },
          { Delete: { TableName: this.tableName, Key: tenantUserKey(tenant, username) } },
        ],
      }),
    );
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
