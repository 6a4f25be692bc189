import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessQueue, type InProcessQueueOptions } from '#adapters/local/in-process-queue.ts';

/** Small timings; no test asserts an upper bound on time. */
const fast: InProcessQueueOptions = {
  batchSize: 10,
  visibilityTimeoutMs: 40,
  maxReceiveCount: 3,
  pollIntervalMs: 5,
  maxBatchingWindowMs: 0,
};

const queues: InProcessQueue[] = [];
const newQueue = (options: InProcessQueueOptions = {}) => {
  const queue = new InProcessQueue({ ...fast, ...options });
  queues.push(queue);
  return queue;
};
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'phishx-queue-'));
  dirs.push(dir);
  return dir;
};

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every message is in exactly one place: on the queue, in the DLQ, or deleted. */
function expectAccounted(queue: InProcessQueue) {
  const s = queue.stats();
  expect(s.waiting + s.inFlight).toBe(s.sent + s.redriven - s.deleted - s.deadLettered);
  expect(s.deadLetters).toBe(s.deadLettered - s.redriven);
}

/** Records every delivery, in order. */
function recorder() {
  const deliveries: SQSRecord[] = [];
  const batches: string[][] = [];
  return {
    deliveries,
    batches,
    take(event: SQSEvent) {
      deliveries.push(...event.Records);
      batches.push(event.Records.map((r) => r.body));
    },
    countOf: (body: string) => deliveries.filter((r) => r.body === body).length,
    receiveCounts: (body: string) =>
      deliveries.filter((r) => r.body === body).map((r) => r.attributes.ApproximateReceiveCount),
  };
}

describe('InProcessQueue records', () => {
  it('delivers real SQSEvent records', async () => {
    const queue = newQueue({ region: 'eu-west-1', queueName: 'q1' });
    const before = Date.now();
    const { messageId } = await queue.send('{"hello":"wörld"}');
    const seen = recorder();
    queue.start(async (event) => seen.take(event));
    await queue.idle();

    expect(seen.deliveries).toHaveLength(1);
    const record = seen.deliveries[0] as SQSRecord;
    expect(record).toEqual({
      messageId,
      receiptHandle: expect.any(String),
      body: '{"hello":"wörld"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update('{"hello":"wörld"}', 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:q1',
      awsRegion: 'eu-west-1',
    });
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(record.attributes.SentTimestamp),
    );
    expect(record.receiptHandle.length).toBeGreaterThan(20);
  });

  it('takes its defaults from analysisQueue in the catalog', () => {
    const queue = new InProcessQueue();
    expect(queue.batchSize).toBe(10);
    expect(queue.maxReceiveCount).toBe(5);
    expect(queue.visibilityTimeoutMs).toBe(360_000);
    expect(queue.maxBatchingWindowMs).toBe(1000);
  });

  it('rejects bodies SQS rejects', async () => {
    const queue = newQueue({ maxMessageBytes: 10 });
    await expect(queue.send('')).rejects.toThrow(/non-empty/);
    await expect(queue.send('12345678901')).rejects.toThrow(/limit is 10/);
    await expect(queue.send('a\u0000b')).rejects.toThrow(/characters/);
    await expect(queue.send('\uD800')).rejects.toThrow(/characters/);
    await expect(queue.send('ok 😀')).resolves.toHaveProperty('messageId');
    expect(queue.stats().sent).toBe(1);
  });
});

describe('InProcessQueue batching', () => {
  it('hands out at most batchSize messages per invocation, in order', async () => {
    const queue = newQueue({ batchSize: 3 });
    for (const body of ['1', '2', '3', '4', '5', '6', '7']) await queue.send(body);
    const seen = recorder();
    queue.start(async (event) => seen.take(event));
    await queue.idle();
    expect(seen.batches).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
    expect(queue.stats()).toMatchObject({ sent: 7, deleted: 7, received: 7, waiting: 0, inFlight: 0 });
  });

  it('waits up to the batching window for a full batch', async () => {
    const queue = newQueue({ batchSize: 2, maxBatchingWindowMs: 60_000 });
    const seen = recorder();
    queue.start(async (event) => seen.take(event));
    await queue.send('a');
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.batches).toEqual([]); // the window is a minute: nothing yet
    await queue.send('b'); // a full batch does not wait for the window
    await queue.idle();
    expect(seen.batches).toEqual([['a', 'b']]);
  });

  it('invokes with a partial batch once the window has passed', async () => {
    const queue = newQueue({ batchSize: 10, maxBatchingWindowMs: 50 });
    let deliveredAt = 0;
    queue.start(async () => {
      deliveredAt = Date.now();
    });
    const sentAt = Date.now();
    await queue.send('lonely');
    await queue.idle();
    expect(deliveredAt - sentAt).toBeGreaterThanOrEqual(45);
  });
});

describe('InProcessQueue failures', () => {
  it('retries only the batch item failures, after the visibility timeout', async () => {
    const queue = newQueue();
    const seen = recorder();
    const ids = new Map<string, string>();
    for (const body of ['a', 'b', 'c']) ids.set(body, (await queue.send(body)).messageId);
    queue.start(async (event): Promise<SQSBatchResponse> => {
      seen.take(event);
      const failures = event.Records.filter(
        (r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await queue.idle();
    expect(seen.batches).toEqual([['a', 'b', 'c'], ['b']]);
    expect(seen.receiveCounts('b')).toEqual(['1', '2']);
    const [first, second] = seen.deliveries.filter((r) => r.body === 'b');
    expect(second?.messageId).toBe(ids.get('b'));
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    expect(second?.attributes.ApproximateFirstReceiveTimestamp).toBe(
      first?.attributes.ApproximateFirstReceiveTimestamp,
    );
    expect(queue.stats()).toMatchObject({ deleted: 3, received: 4, deadLetters: 0 });
    expectAccounted(queue);
  });

  it('treats an empty batchItemFailures list like success', async () => {
    const queue = newQueue();
    await queue.send('x');
    const seen = recorder();
    queue.start(async (event) => {
      seen.take(event);
      return { batchItemFailures: [] };
    });
    await queue.idle();
    expect(seen.deliveries).toHaveLength(1);
  });

  it('retries the whole batch when the consumer throws', async () => {
    const queue = newQueue();
    for (const body of ['a', 'b', 'c']) await queue.send(body);
    const seen = recorder();
    let calls = 0;
    queue.start(async (event) => {
      seen.take(event);
      if (++calls === 1) throw new Error('downstream timeout');
    });
    await queue.idle();
    expect(seen.batches).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    for (const body of ['a', 'b', 'c']) expect(seen.receiveCounts(body)).toEqual(['1', '2']);
    expectAccounted(queue);
  });

  it('retries the whole batch when batchItemFailures names a message not in the batch', async () => {
    const queue = newQueue();
    await queue.send('a');
    await queue.send('b');
    const seen = recorder();
    let calls = 0;
    queue.start(async (event) => {
      seen.take(event);
      if (++calls === 1) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
      return undefined;
    });
    await queue.idle();
    expect(seen.batches).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('moves a poison message to the DLQ after exactly maxReceiveCount receives, with its error', async () => {
    const queue = newQueue({ maxReceiveCount: 3, batchSize: 1 });
    const { messageId } = await queue.send('poison');
    await queue.send('fine');
    const seen = recorder();
    queue.start(async (event) => {
      seen.take(event);
      if (event.Records.some((r) => r.body === 'poison')) throw new Error('cannot parse poison');
    });
    await queue.idle();
    expect(seen.receiveCounts('poison')).toEqual(['1', '2', '3']);
    expect(seen.receiveCounts('fine')).toEqual(['1']);
    expect(queue.deadLetters()).toEqual([
      {
        messageId,
        body: 'poison',
        receiveCount: 3,
        lastError: 'cannot parse poison',
        sentTimestamp: expect.any(Number),
        deadLetteredAt: expect.any(Number),
      },
    ]);
    expect(queue.stats()).toMatchObject({
      deadLetters: 1,
      deadLettered: 1,
      deleted: 1,
      waiting: 0,
      inFlight: 0,
    });
    expectAccounted(queue);
  });

  it('records a batch item failure as the DLQ reason', async () => {
    const queue = newQueue({ maxReceiveCount: 2 });
    await queue.send('bad');
    const seen = recorder();
    queue.start(async (event) => {
      seen.take(event);
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await queue.idle();
    expect(seen.receiveCounts('bad')).toEqual(['1', '2']);
    expect(queue.deadLetters()).toMatchObject([
      { body: 'bad', receiveCount: 2, lastError: 'reported as batch item failure' },
    ]);
  });

  it('loses nothing when the consumer crashes half-way through a batch', async () => {
    const queue = newQueue({ batchSize: 6, maxReceiveCount: 5 });
    const bodies = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    for (const body of bodies) await queue.send(body);
    const handled: string[] = [];
    let crashes = 0;
    queue.start(async (event) => {
      for (const [i, record] of event.Records.entries()) {
        if (crashes === 0 && i === 3) {
          crashes++;
          throw new Error('process crashed');
        }
        handled.push(record.body);
      }
    });
    await queue.idle();
    // At-least-once: the first half ran twice, the second half once; nothing is missing.
    expect(new Set(handled)).toEqual(new Set(bodies));
    expect(handled).toEqual(['m1', 'm2', 'm3', ...bodies]);
    expect(queue.stats()).toMatchObject({ sent: 6, deleted: 6, deadLetters: 0 });
    expectAccounted(queue);
  });

  it('redelivers a message whose consumer outlives the visibility timeout, and ignores the late finish', async () => {
    const queue = newQueue({ concurrency: 2, maxReceiveCount: 5, visibilityTimeoutMs: 30 });
    await queue.send('slow');
    const seen = recorder();
    let releaseFirst!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    queue.start(async (event) => {
      seen.take(event);
      const count = event.Records[0]?.attributes.ApproximateReceiveCount;
      if (count === '1') {
        await firstMayFinish; // held until the message was received again
        return { batchItemFailures: [] };
      }
      releaseFirst();
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await vi.waitFor(() => expect(seen.deliveries.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    // The first invocation finished "successfully" with a stale receipt handle: not deleted.
    await vi.waitFor(() => expect(queue.stats().running).toBe(0), { timeout: 10_000 });
    await queue.stop();
    expect(queue.stats().deleted).toBe(0);
    expect(queue.stats().inFlight + queue.stats().waiting + queue.stats().deadLetters).toBe(1);
    expectAccounted(queue);
  });

  it('dead-letters a message whose every receive timed out', async () => {
    const queue = newQueue({ concurrency: 3, maxReceiveCount: 2, visibilityTimeoutMs: 20 });
    await queue.send('hangs');
    const never = new Promise<void>(() => {});
    const seen = recorder();
    queue.start(async (event) => {
      seen.take(event);
      await never;
    });
    await vi.waitFor(() => expect(queue.deadLetters()).toHaveLength(1), { timeout: 10_000 });
    expect(seen.receiveCounts('hangs')).toEqual(['1', '2']);
    expect(queue.deadLetters()[0]?.lastError).toMatch(/visibility timeout expired/);
    // stop() would wait for the hung invocations; they never end, so this queue is left as is.
    queues.splice(queues.indexOf(queue), 1);
  });
});

describe('InProcessQueue redrive', () => {
  it('moves dead letters back with a fresh receive count', async () => {
    const queue = newQueue({ maxReceiveCount: 2 });
    await queue.send('a');
    await queue.send('b');
    let broken = true;
    const seen = recorder();
    queue.start(async (event) => {
      seen.take(event);
      if (broken) throw new Error('bug');
    });
    await queue.idle();
    expect(queue.deadLetters().map((d) => d.body)).toEqual(['a', 'b']);
    const [a] = queue.deadLetters();

    broken = false;
    expect(queue.redrive([a?.messageId as string])).toBe(1);
    await queue.idle();
    expect(queue.deadLetters().map((d) => d.body)).toEqual(['b']);
    expect(seen.deliveries.at(-1)).toMatchObject({
      messageId: a?.messageId,
      body: 'a',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(queue.redrive()).toBe(1);
    await queue.idle();
    expect(queue.deadLetters()).toEqual([]);
    expect(queue.stats()).toMatchObject({ deleted: 2, deadLettered: 2, redriven: 2, deadLetters: 0 });
    expectAccounted(queue);
  });
});

describe('InProcessQueue concurrency', () => {
  it('never hands the same message to two invocations while it is invisible', async () => {
    const queue = newQueue({ concurrency: 4, batchSize: 1, visibilityTimeoutMs: 60_000 });
    const bodies = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const body of bodies) await queue.send(body);
    const seen = recorder();
    let running = 0;
    let maxRunning = 0;
    queue.start(async (event) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      seen.take(event);
      await new Promise((r) => setTimeout(r, 2));
      running--;
    });
    await queue.idle();
    expect(seen.deliveries.map((r) => r.body).sort()).toEqual([...bodies].sort());
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(4);
    expectAccounted(queue);
  });

  it('stop() waits for the running invocation and then delivers nothing more', async () => {
    const queue = newQueue({ batchSize: 1 });
    await queue.send('a');
    await queue.send('b');
    const seen = recorder();
    let finished = false;
    queue.start(async (event) => {
      seen.take(event);
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
    });
    await vi.waitFor(() => expect(seen.deliveries).toHaveLength(1));
    await queue.stop();
    expect(finished).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.deliveries.map((r) => r.body)).toEqual(['a']);
    expect(queue.stats()).toMatchObject({ waiting: 1, deleted: 1 });
  });

  it('refuses a second consumer', () => {
    const queue = newQueue();
    queue.start(async () => {});
    expect(() => queue.start(async () => {})).toThrow(/already has a consumer/);
  });
});

describe('InProcessQueue persistence', () => {
  it('keeps waiting, in-flight and dead messages across a restart', async () => {
    const statePath = join(tempDir(), 'state', 'queue.json');
    const first = newQueue({ statePath, maxReceiveCount: 1 });
    await first.send('dead');
    // Dead-letter 'dead' with a consumer that fails it, then stop.
    first.start(async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await first.idle();
    await first.stop();
    expect(first.deadLetters()).toHaveLength(1);

    const second = new InProcessQueue({ ...fast, statePath, maxReceiveCount: 3 });
    await second.send('in-flight');
    await second.send('waiting');
    // Take both (one batch) and never finish: the process "dies" with them invisible.
    const taken = new Promise<void>((resolve) => {
      second.start(async () => {
        resolve();
        await new Promise(() => {});
      });
    });
    await taken;
    const onDisk = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(onDisk.messages).toHaveLength(2);
    expect(readdirSync(join(statePath, '..'))).toEqual(['queue.json']); // no temp file left behind

    const third = newQueue({ statePath, maxReceiveCount: 3 });
    expect(third.deadLetters()).toMatchObject([{ body: 'dead', receiveCount: 1 }]);
    expect(third.stats()).toMatchObject({ waiting: 2, inFlight: 0, deadLetters: 1 });
    const seen = recorder();
    third.start(async (event) => seen.take(event));
    await third.idle();
    // The receives before the restart still count.
    expect(seen.receiveCounts('in-flight')).toEqual(['2']);
    expect(seen.receiveCounts('waiting')).toEqual(['2']);
    expectAccounted(third);

    const fourth = newQueue({ statePath });
    expect(fourth.stats()).toMatchObject({ waiting: 0, inFlight: 0, deadLetters: 1 });
  });

  it('starts empty when the state file does not exist yet', () => {
    const statePath = join(tempDir(), 'none.json');
    const queue = newQueue({ statePath });
    expect(queue.stats()).toMatchObject({ waiting: 0, deadLetters: 0, sent: 0 });
    expect(existsSync(statePath)).toBe(false);
  });
});
