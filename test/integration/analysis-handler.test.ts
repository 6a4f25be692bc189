/**
 * The analysis function on its queue: the real handler (Powertools batch processing) fed by
 * the in-process queue with SQS semantics, on DynamoDB Local. Nothing is lost when the
 * function crashes mid-batch, and a message that cannot be analysed ends in the DLQ with its
 * email marked failed.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type * as AnalysisModule from '../../lambdas/analysis/analyse-emails.ts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTenantRepository } from '#adapters/dynamodb/account-repositories.ts';
import { DynamoDbEmailRepository } from '#adapters/dynamodb/email-repository.ts';
import { InProcessQueue } from '#adapters/local/in-process-queue.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import type { AnalysisContext } from '#core/detection/analysis.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import type { ParsedEmail } from '#core/email/parsed-email.ts';
import { viewEmail } from '#core/emails/email-view.ts';
import { ingestEmail } from '#core/ingest/ingest-email.ts';
import { envNames } from '#shared/env.ts';
import { freshTable } from '../support/local-table.ts';
import { memoryKeyring } from '../support/memory-branch-keys.ts';

const maxReceiveCount = 3;
const keyring = memoryKeyring();
let emails: DynamoDbEmailRepository;
let tenants: DynamoDbTenantRepository;
let createAnalysisHandler: typeof AnalysisModule.createAnalysisHandler;
let queue: InProcessQueue;

const context = {
  functionName: 'analysis',
  awsRequestId: 'test',
  getRemainingTimeInMillis: () => 60_000,
} as Context;
const message = (n: number) =>
  new TextEncoder().encode(
    `From: sender${n}@example.com\r\nTo: you@example.org\r\nSubject: note ${n}\r\n\r\nHello ${n}\r\n`,
  );

beforeAll(async () => {
  const table = await freshTable();
  emails = new DynamoDbEmailRepository(table.documents, table.tableName);
  tenants = new DynamoDbTenantRepository(table.documents, table.tableName);
  // The handler module wires its AWS adapters from the environment when imported.
  process.env[envNames.tableName] = table.tableName;
  Object.assign(process.env, { PHISHX_DATA_KEY_ID: 'unused', PHISHX_QUEUE_URL: 'unused' });
  ({ createAnalysisHandler } = await import('../../lambdas/analysis/analyse-emails.ts'));
});

afterEach(async () => {
  await queue?.stop();
});

const ingestMany = async (tenant: string, count: number) => {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const { id } = await ingestEmail(
      { tenant, raw: message(n), source: 'api', maxBytes: 1 << 20, retentionDays: 90 },
      {
        emails,
        keyring,
        clock: systemClock,
        random: cryptoRandom,
        parse: parseEmail,
        queue: { enqueue: async (job) => void (await queue.send(JSON.stringify(job))) },
      },
    );
    ids.push(id);
  }
  return ids;
};

const handlerWith = (
  analyse: (email: ParsedEmail, context: AnalysisContext) => ReturnType<typeof analyseEmail>,
) =>
  createAnalysisHandler(
    { emails, tenants, keyring, clock: systemClock, random: cryptoRandom, analyse },
    maxReceiveCount,
  );

const newQueue = () =>
  new InProcessQueue({
    batchSize: 10,
    visibilityTimeoutMs: 300,
    pollIntervalMs: 10,
    maxBatchingWindowMs: 0,
    maxReceiveCount,
  });

describe('the analysis function on its queue', () => {
  it('loses no message when it crashes mid-batch, and analyses each email once', async () => {
    queue = newQueue();
    const ids = await ingestMany('crash', 10);
    const analysed = new Map<string, number>();
    const handler = handlerWith((email, ctx) => {
      const key = email.subject;
      analysed.set(key, (analysed.get(key) ?? 0) + 1);
      return analyseEmail(email, ctx);
    });
    let crashed = false;
    queue.start(async (event: SQSEvent): Promise<SQSBatchResponse> => {
      if (!crashed && event.Records.length > 1) {
        crashed = true;
        // The runtime dies after handling half the batch: SQS will redeliver all of it.
        await handler({ Records: event.Records.slice(0, event.Records.length / 2) }, context);
        throw new Error('runtime crashed');
      }
      return handler(event, context);
    });
    await queue.idle();

    expect(crashed).toBe(true);
    expect(queue.deadLetters()).toEqual([]);
    for (const id of ids) {
      await expect(viewEmail('crash', id, { emails, keyring, random: cryptoRandom })).resolves.toMatchObject({
        status: 'analyzed',
      });
    }
    expect([...analysed.values()]).toEqual(Array(10).fill(1));
  });

  it('dead-letters a message that keeps failing, marks its email failed, and spares its batch-mates', async () => {
    queue = newQueue();
    const ids = await ingestMany('poison', 4);
    const handler = handlerWith((email, ctx) => {
      if (email.subject === 'note 2') throw new Error('engine cannot read this');
      return analyseEmail(email, ctx);
    });
    queue.start((event) => handler(event, context));
    await queue.idle();

    const [dead, ...more] = queue.deadLetters();
    expect(more).toEqual([]);
    expect(dead).toMatchObject({
      receiveCount: maxReceiveCount,
      body: JSON.stringify({ tenant: 'poison', id: ids[2] }),
    });
    const views = await Promise.all(
      ids.map((id) => viewEmail('poison', id, { emails, keyring, random: cryptoRandom })),
    );
    expect(views.map((view) => view.status)).toEqual(['analyzed', 'analyzed', 'failed', 'analyzed']);
    expect(views[2]?.failureReason).toBe('Error');
  });

  it('dead-letters a message that is not a job, without touching any email', async () => {
    queue = newQueue();
    const handler = handlerWith(analyseEmail);
    await queue.send('{"not":"a job"}');
    queue.start((event) => handler(event, context));
    await queue.idle();
    expect(queue.deadLetters()).toMatchObject([{ body: '{"not":"a job"}', receiveCount: maxReceiveCount }]);
  });
});
