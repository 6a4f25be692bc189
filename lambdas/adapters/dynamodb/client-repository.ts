import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ClientRecord, ClientRepository } from '#core/auth/clients.ts';

/** The client by id (the token endpoint names no tenant); the item names its tenant. */
const clientKey = (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' });
/** The tenant's list of its clients: one Query, inside the tenant's own partition. */
const tenantClientKey = (tenant: string, clientId: string) => ({
  pk: `TENANT#${tenant}#CLIENTS`,
  sk: `CLIENT#${clientId}`,
});

const recordFrom = (item: Record<string, unknown>): ClientRecord => {
  const { clientId, tenant, name, role, secretHash, disabled, createdAt } = item as unknown as ClientRecord;
  return { clientId, tenant, name, role, secretHash, disabled, createdAt };
};

export class DynamoDbClientRepository implements ClientRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(clientId: string): Promise<ClientRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: clientKey(clientId), ConsistentRead: true }),
    );
    return Item ? recordFrom(Item) : null;
  }

  async create(record: ClientRecord): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...clientKey(record.clientId), ...record },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...tenantClientKey(record.tenant, record.clientId), clientId: record.clientId },
            },
          },
        ],
      }),
    );
  }

  async listByTenant(tenant: string): Promise<readonly ClientRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TENANT#${tenant}#CLIENTS` },
        Limit: 100,
      }),
    );
    const ids = (Items ?? []).map((item) => item.clientId as string);
    if (ids.length === 0) return [];
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: ids.map(clientKey), ConsistentRead: true } },
      }),
    );
    return (Responses?.[this.tableName] ?? [])
      .map(recordFrom)
      .filter((record) => record.tenant === tenant)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async setDisabled(clientId: string, disabled: boolean): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: clientKey(clientId),
        UpdateExpression: 'SET disabled = :disabled',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':disabled': disabled },
      }),
    );
  }

  async delete(clientId: string, tenant: string): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: clientKey(clientId) } },
          { Delete: { TableName: this.tableName, Key: tenantClientKey(tenant, clientId) } },
        ],
      }),
    );
  }
}
