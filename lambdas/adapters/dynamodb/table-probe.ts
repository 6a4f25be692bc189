import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { HealthProbe } from '#core/ports.ts';

/** A read of a key that never exists: proves the table answers, with read permission only. */
export const tableProbe = (client: DynamoDBDocumentClient, tableName: string): HealthProbe => ({
  name: 'database',
  check: async () => {
    await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
  },
});
