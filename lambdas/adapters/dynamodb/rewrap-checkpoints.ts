/**
 * The rotation job's checkpoints, in the `main` table under one operations partition:
 *
 *   pk `OPS#REWRAP`, sk `PASS`            { pass, totalSegments, startedAt }
 *   pk `OPS#REWRAP`, sk `SEGMENT#0003`    { pass, cursor, done }   (one per segment)
 *
 * One item per segment, so parallel segments never write the same item. A segment item of an
 * earlier pass counts as not started, so starting a pass is one conditional write to `PASS`.
 * Operational state, not tenant data: it holds scan cursors (keys), never content.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  RewrapCheckpoints,
  RewrapPassInfo,
  RewrapPassState,
  ScanCursor,
  SegmentProgress,
} from '#core/rotation/rewrap-items.ts';
import { isConditionalCheckFailure } from './document-client.ts';

export const rewrapOpsPartition = 'OPS#REWRAP';
export const rewrapPassKey = { pk: rewrapOpsPartition, sk: 'PASS' } as const;
export const rewrapSegmentKey = (segment: number) => ({
  pk: rewrapOpsPartition,
  sk: `SEGMENT#${String(segment).padStart(4, '0')}`,
});

interface PassItem {
  pk: string;
  sk: string;
  pass: number;
  totalSegments: number;
  startedAt: string;
}

interface SegmentItem {
  pk: string;
  sk: string;
  pass: number;
  done: boolean;
  cursor?: ScanCursor;
}

export class DynamoDbRewrapCheckpoints implements RewrapCheckpoints {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(): Promise<RewrapPassState | null> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': rewrapOpsPartition },
          ConsistentRead: true,
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const passItem = items.find((item) => item.sk === rewrapPassKey.sk) as PassItem | undefined;
    if (!passItem) return null;
    const bySortKey = new Map(items.map((item) => [item.sk, item as unknown as SegmentItem]));
    const segments = Array.from({ length: passItem.totalSegments }, (_, index): SegmentProgress => {
      const saved = bySortKey.get(rewrapSegmentKey(index).sk);
      if (!saved || saved.pass !== passItem.pass) return { cursor: null, done: false };
      return { cursor: saved.cursor ?? null, done: saved.done };
    });
    return {
      pass: passItem.pass,
      totalSegments: passItem.totalSegments,
      startedAt: passItem.startedAt,
      segments,
    };
  }

  async startPass(pass: RewrapPassInfo, previous: number | null): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...rewrapPassKey, ...pass } satisfies PassItem,
          ...(previous === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#pass = :previous',
                ExpressionAttributeNames: { '#pass': 'pass' },
                ExpressionAttributeValues: { ':previous': previous },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async saveSegment(pass: number, segment: number, progress: SegmentProgress): Promise<void> {
    const item: SegmentItem = {
      ...rewrapSegmentKey(segment),
      pass,
      done: progress.done,
      ...(progress.cursor && { cursor: { ...progress.cursor } }),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #pass <= :pass',
          ExpressionAttributeNames: { '#pass': 'pass' },
          ExpressionAttributeValues: { ':pass': pass },
        }),
      );
    } catch (error) {
      // A later pass owns the segment now: this run's progress no longer matters.
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }
}
