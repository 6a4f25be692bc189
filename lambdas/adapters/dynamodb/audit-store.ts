import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AuditQuery, AuditStore, SealedAuditEvent } from '#core/audit/audit-trail.ts';
import { auditTrailKey } from './keys.ts';

/** Pages read per `query` call before answering with a cursor: bounds one request's work. */
const maxPagesPerQuery = 10;
const batchWriteSize = 25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The audit trail in the tenant's own partition (`TENANT#<t>#AUDIT`), sorted by time: a time
 * range is a key condition, the action and beacons are filters, and no query can reach another
 * tenant's events. Expired by TTL after the retention period.
 */
export class DynamoDbAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(event: SealedAuditEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...auditTrailKey(event.tenant, event.id), ...event, envelope: { ...event.envelope } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async query(tenant: string, query: AuditQuery, limit: number) {
    const { pk } = auditTrailKey(tenant, '');
    const lower = query.from ?? '';
    // Ids are `<ISO time>#<hex>`: '~' sorts after every hex digit, so `to` is inclusive.
    const upper = [query.to === undefined ? undefined : `${query.to}#~`, query.after]
      .filter((bound): bound is string => bound !== undefined)
      .sort()[0];
    const filters: string[] = [];
    const values: Record<string, unknown> = { ':pk': pk };
    if (query.actions && query.actions.length > 0) {
      filters.push(`#action IN (${query.actions.map((_, i) => `:action${i}`).join(', ')})`);
      query.actions.forEach((action, i) => (values[`:action${i}`] = action));
    }
    if (query.actorBeacon !== undefined) {
      filters.push('actorBeacon = :actor');
      values[':actor'] = query.actorBeacon;
    }
    if (query.targetBeacon !== undefined) {
      filters.push('targetBeacon = :target');
      values[':target'] = query.targetBeacon;
    }
    if (upper !== undefined && upper < lower) return { events: [], next: null };
    let keyCondition = 'pk = :pk';
    if (upper !== undefined && lower !== '') {
      keyCondition += ' AND sk BETWEEN :lower AND :upper';
      values[':lower'] = lower;
      values[':upper'] = upper;
    } else if (upper !== undefined) {
      keyCondition += ' AND sk <= :upper';
      values[':upper'] = upper;
    } else if (lower !== '') {
      keyCondition += ' AND sk >= :lower';
      values[':lower'] = lower;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: Math.max(limit, 50),
      ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
      ...(query.actions && query.actions.length > 0 && { ExpressionAttributeNames: { '#action': 'action' } }),
    };

    const events: SealedAuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPagesPerQuery; page += 1) {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({ ...input, ...(startKey && { ExclusiveStartKey: startKey }) }),
      );
      for (const item of Items ?? []) {
        // The upper bound includes `after` itself: the previous page ended there.
        if (item.sk === query.after) continue;
        events.push(fromItem(item));
        if (events.length === limit) {
          const more = LastEvaluatedKey !== undefined || item !== Items?.at(-1);
          return { events, next: more ? String(item.sk) : null };
        }
      }
      startKey = LastEvaluatedKey;
      if (!startKey) return { events, next: null };
    }
    return { events, next: String(startKey?.sk) };
  }

  async remove(tenant: string, ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += batchWriteSize) {
      let requests = ids
        .slice(start, start + batchWriteSize)
        .map((id) => ({ DeleteRequest: { Key: auditTrailKey(tenant, id) } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
        const { UnprocessedItems } = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (attempt > 8 && requests.length > 0) throw new Error('DynamoDB kept audit deletes unprocessed');
      }
    }
  }
}

const fromItem = (item: Record<string, unknown>): SealedAuditEvent => {
  const envelope = item.envelope as SealedAuditEvent['envelope'];
  return {
    tenant: String(item.tenant),
    id: String(item.sk),
    action: item.action as SealedAuditEvent['action'],
    at: String(item.at),
    expiresAt: Number(item.expiresAt),
    actorBeacon: String(item.actorBeacon),
    ...(typeof item.targetBeacon === 'string' && { targetBeacon: item.targetBeacon }),
    envelope,
    fields: item.fields as SealedAuditEvent['fields'],
  };
};
