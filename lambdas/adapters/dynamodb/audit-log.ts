import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog } from '#core/ports.ts';
import { auditKey } from './keys.ts';

/**
 * Audit entries as small items that the table's TTL expires. Keyed by the entry's dedupe key,
 * so a redelivered event rewrites its entry rather than adding a second one.
 */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...auditKey(entry.at, entry.kind, entry.dedupeKey),
          kind: entry.kind,
          at: entry.at,
          details: { ...entry.details },
          expiresAt: Math.floor(Date.parse(entry.at) / 1000) + this.retentionDays * 86_400,
        },
      }),
    );
  }
}
