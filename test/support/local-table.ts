import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createTables } from '#adapters/dynamodb/create-tables.ts';
import { createDocumentClient } from '#adapters/dynamodb/document-client.ts';

const localConfig = () => ({
  endpoint: inject('ddbEndpoint'),
  region: 'eu-west-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** A fresh `main` table in the run's DynamoDB Local, so test files never share state. */
export const freshTable = async () => {
  const stage = `t${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient(localConfig());
  const [tableName] = await createTables(client, stage);
  client.destroy();
  return { tableName: tableName as string, documents: createDocumentClient(localConfig()) };
};
