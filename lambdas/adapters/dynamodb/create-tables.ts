/**
 * Creates the tables of `lambdas/shared/tables.ts` in a DynamoDB endpoint (DynamoDB Local for
 * the local runner and integration tests). Idempotent: an existing table is kept, TTL is only
 * enabled when it is not already. In AWS the CDK data stack owns the tables; this is not used there.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type AttributeDefinition as DynamoAttributeDefinition,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type AttributeDefinition, physicalTableName, type TableDefinition, tables } from '#shared/tables.ts';

const ACTIVE_TIMEOUT_MS = 60_000;

const keySchema = (partitionKey: AttributeDefinition, sortKey?: AttributeDefinition): KeySchemaElement[] => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
];

/** Every key attribute of the table and its indexes, once each; a clash of types is a definition bug. */
function attributeDefinitions(def: TableDefinition): DynamoAttributeDefinition[] {
  const byName = new Map<string, AttributeDefinition>();
  const add = (attribute: AttributeDefinition | undefined) => {
    if (!attribute) return;
    const seen = byName.get(attribute.name);
    if (seen && seen.type !== attribute.type) {
      throw new Error(
        `table ${def.id}: attribute ${attribute.name} is both ${seen.type} and ${attribute.type}`,
      );
    }
    byName.set(attribute.name, attribute);
  };
  add(def.partitionKey);
  add(def.sortKey);
  for (const index of def.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...byName.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type }));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function tableExists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** Polls DescribeTable (the SDK waiter's 20 s default delay is far too slow for a local engine). */
async function waitUntilActive(client: DynamoDBClient, name: string, def: TableDefinition): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  let delay = 50;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) {
      throw new Error(`table ${name} (${def.id}) is not ACTIVE after ${ACTIVE_TIMEOUT_MS} ms`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
}

async function ensureTimeToLive(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && TimeToLiveDescription?.AttributeName === attribute) {
    return;
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch (error) {
    // A concurrent creator enabled it between our Describe and Update.
    if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
  }
}

/**
 * Creates each table (physical name `phishx-<stage>-<id>`) unless it exists: on-demand billing,
 * the definition's GSIs (projection ALL), TTL on `timeToLiveAttribute`; resolves once all are ACTIVE.
 * Returns the physical names, in the order of `defs`.
 */
export async function createTables(
  client: DynamoDBClient,
  stage: string,
  defs: readonly TableDefinition[] = tables,
): Promise<string[]> {
  const names: string[] = [];
  for (const def of defs) {
    const name = physicalTableName(stage, def);
    names.push(name);
    if (!(await tableExists(client, name))) {
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: attributeDefinitions(def),
            KeySchema: keySchema(def.partitionKey, def.sortKey),
            ...(def.globalSecondaryIndexes.length > 0 && {
              GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: keySchema(index.partitionKey, index.sortKey),
                Projection: { ProjectionType: 'ALL' },
              })),
            }),
          }),
        );
      } catch (error) {
        // Someone else (another test file, a second runner) created it first: fine.
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
    await waitUntilActive(client, name, def);
    if (def.timeToLiveAttribute) await ensureTimeToLive(client, name, def.timeToLiveAttribute);
  }
  return names;
}
