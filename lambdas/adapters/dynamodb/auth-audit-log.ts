import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AuthAuditLog, type AuthEvent, authAuditRetentionDays } from '#core/auth/audit.ts';

/**
 * Auth events in the tenant's own partition (`AUTHLOG#<tenant>`), sorted by time: one Query
 * reads a tenant's newest events and can never reach another tenant's. Expired by TTL.
 */
export class DynamoDbAuthAuditLog implements AuthAuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(event: AuthEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `AUTHLOG#${event.tenant}`,
          sk: `${event.at}#${randomUUID().slice(0, 8)}`,
          ...event,
          expiresAt: Math.floor(Date.parse(event.at) / 1000) + authAuditRetentionDays * 86_400,
        },
      }),
    );
  }

  async list(tenant: string, options: { limit: number; before?: string }): Promise<readonly AuthEvent[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: options.before ? 'pk = :pk AND sk < :before' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': `AUTHLOG#${tenant}`,
          ...(options.before && { ':before': options.before }),
        },
        ScanIndexForward: false,
        Limit: options.limit,
      }),
    );
    return (Items ?? []).map(({ tenant: t, type, at, subject, sourceIp, session }) => ({
      tenant: t as string,
      type: type as AuthEvent['type'],
      at: at as string,
      subject: subject as string,
      ...(typeof sourceIp === 'string' && { sourceIp }),
      ...(typeof session === 'string' && { session }),
    }));
  }
}
