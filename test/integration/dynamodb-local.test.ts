import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTables } from '#adapters/dynamodb/create-tables.ts';
import { mainTable, physicalTableName, type TableDefinition } from '#shared/tables.ts';

const stage = `ddbtest${process.pid}`;
const tableName = physicalTableName(stage, mainTable);
let client: DynamoDBClient;

beforeAll(async () => {
  client = new DynamoDBClient({
    endpoint: inject('ddbEndpoint'),
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createTables(client, stage, [mainTable]);
});

afterAll(() => client?.destroy());

describe('DynamoDB Local through @aws-sdk/client-dynamodb', () => {
  it('listens on 127.0.0.1', () => {
    expect(inject('ddbEndpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates the main table from its definition, ACTIVE and on-demand', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it('enables TTL on the definition attribute', async () => {
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    expect(TimeToLiveDescription).toEqual({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('is idempotent: a second createTables keeps the table and its items', async () => {
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'T#keep' }, sk: { S: 'A' } } }),
    );
    await expect(createTables(client, stage, [mainTable])).resolves.toEqual([tableName]);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'T#keep' }, sk: { S: 'A' } } }),
    );
    expect(Item).toBeDefined();
    // Racing creators both succeed.
    const other = `${stage}race`;
    await Promise.all([createTables(client, other, [mainTable]), createTables(client, other, [mainTable])]);
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toContain(physicalTableName(other, mainTable));
  });

  it('rejects a conditional put on an existing key with ConditionalCheckFailedException', async () => {
    const put = () =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: 'T#1' }, sk: { S: 'EMAIL#1' }, n: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    await put();
    const error = await put().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item?.n).toEqual({ N: '1' });
  });

  it('stores the TTL attribute (DynamoDB Local never expires items, so only the write is checked)', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'T#ttl' }, sk: { S: 'X' }, expiresAt: { N: String(expiresAt) } },
      }),
    );
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'T#ttl' }, sk: { S: 'X' } } }),
    );
    expect(Item?.expiresAt).toEqual({ N: String(expiresAt) });
  });

  it('builds GSIs from a definition', async () => {
    const withIndex: TableDefinition = {
      id: 'indexed',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      globalSecondaryIndexes: [
        {
          indexName: 'byStatus',
          partitionKey: { name: 'status', type: 'S' },
          sortKey: { name: 'sk', type: 'S' },
        },
      ],
    };
    const [name] = await createTables(client, stage, [withIndex]);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byStatus');
    await client.send(
      new PutItemCommand({
        TableName: name,
        Item: { pk: { S: 'a' }, sk: { S: '1' }, status: { S: 'done' } },
      }),
    );
    const { Items } = await client.send(
      new QueryCommand({
        TableName: name,
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'done' } },
      }),
    );
    expect(Items).toHaveLength(1);
  });
});
