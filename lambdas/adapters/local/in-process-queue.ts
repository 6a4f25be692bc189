/**
 * An in-process queue with the semantics of SQS feeding a Lambda through an event source
 * mapping, for the local runner and tests:
 *
 * - a received message is invisible for the visibility timeout, then visible again unless deleted;
 * - the consumer gets a real `SQSEvent` (fresh receipt handle and incremented
 *   `ApproximateReceiveCount` on every receive);
 * - the consumer resolving with `batchItemFailures` deletes the rest of the batch; resolving with
 *   nothing deletes the whole batch; throwing deletes nothing (the whole batch comes back after
 *   the visibility timeout, as with Lambda);
 * - a message that has been received `maxReceiveCount` times and fails again moves to the
 *   dead-letter queue (SQS moves it on the next receive; here it moves at once, which is
 *   observably the same minus the wait);
 * - optionally, the queue and its DLQ survive a restart (`statePath`, written atomically).
 *
 * Not emulated: FIFO, delay seconds, message attributes, the consumer's own timeout.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { analysisQueue } from '#shared/catalog.ts';

export interface InProcessQueueOptions {
  /** Most messages per consumer call (default `analysisQueue.batchSize`). */
  readonly batchSize?: number;
  /** How long a received message stays invisible (default `analysisQueue.visibilityTimeoutSeconds`). */
  readonly visibilityTimeoutMs?: number;
  /** Receives before a failing message moves to the DLQ (default `analysisQueue.maxReceiveCount`). */
  readonly maxReceiveCount?: number;
  /** How often an idle consumer looks for messages whose visibility timeout ran out (default 200). */
  readonly pollIntervalMs?: number;
  /**
   * How long to gather messages before invoking with fewer than `batchSize`
   * (default `analysisQueue.maxBatchingWindowSeconds`; 0 invokes as soon as one is visible).
   */
  readonly maxBatchingWindowMs?: number;
  /** Consumer invocations that may run at once (default 1). */
  readonly concurrency?: number;
  /** JSON file that keeps the queue and its DLQ across restarts; in memory only when undefined. */
  readonly statePath?: string;
  /** Used in `eventSourceARN` (default `phishx-local-analysis`). */
  readonly queueName?: string;
  /** `awsRegion` of the records (default `AWS_REGION` or `eu-west-1`). */
  readonly region?: string;
  /** Largest body in UTF-8 bytes, as SQS (default 1 MiB, SQS's limit since 2025; it was 256 KiB). */
  readonly maxMessageBytes?: number;
}

/** The shape of aws-lambda's `SQSHandler`, minus the callback. */
// `void` so that handlers typed `Promise<void>` fit, as with SQSHandler.
export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly lastError: string;
  readonly sentTimestamp: number;
  readonly deadLetteredAt: number;
}

export interface QueueStats {
  /** Visible, waiting for a consumer. */
  readonly waiting: number;
  /** Received and not yet deleted (invisible, or visible again once their timeout ran out). */
  readonly inFlight: number;
  readonly deadLetters: number;
  /** Consumer invocations currently running. */
  readonly running: number;
  readonly sent: number;
  readonly received: number;
  readonly deleted: number;
  readonly deadLettered: number;
  readonly redriven: number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly sentTimestamp: number;
  firstReceiveTimestamp: number | null;
  receiveCount: number;
  /** Epoch ms from which it can be received again. */
  visibleAt: number;
  /** The handle of the latest receive; only it can delete the message. */
  receiptHandle: string | null;
  lastError: string | null;
}

interface PersistedState {
  readonly version: 1;
  readonly messages: StoredMessage[];
  readonly deadLetters: DeadLetter[];
  readonly counters: Counters;
}

interface Counters {
  sent: number;
  received: number;
  deleted: number;
  deadLettered: number;
  redriven: number;
}

/** SenderId of records sent by this process (the shape of an IAM unique id). */
const SENDER_ID = 'AIDALOCALPHISHXQUEUE0';
const ACCOUNT_ID = '000000000000';
const BATCH_ITEM_FAILURE = 'reported as batch item failure';
const VISIBILITY_EXPIRED = 'visibility timeout expired before the message was deleted';
// Characters SQS accepts in a message body: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
const INVALID_BODY_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message || error.name : String(error) || 'consumer failed';

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
  return value;
}

export class InProcessQueue {
  readonly batchSize: number;
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
  readonly pollIntervalMs: number;
  readonly maxBatchingWindowMs: number;
  readonly concurrency: number;
  readonly queueArn: string;
  readonly region: string;
  readonly maxMessageBytes: number;
  readonly #statePath: string | undefined;

  /** Insertion order is delivery order (SQS standard queues only try to keep it). */
  readonly #messages = new Map<string, StoredMessage>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #counters: Counters = { sent: 0, received: 0, deleted: 0, deadLettered: 0, redriven: 0 };

  #consumer: QueueConsumer | null = null;
  #workers: Promise<void>[] = [];
  #running = 0;
  #wake: (() => void) | null = null;
  #wakeSignal: Promise<void> = Promise.resolve();
  #idleWaiters: (() => void)[] = [];

  constructor(options: InProcessQueueOptions = {}) {
    this.batchSize = positive('batchSize', options.batchSize ?? analysisQueue.batchSize);
    this.visibilityTimeoutMs = positive(
      'visibilityTimeoutMs',
      options.visibilityTimeoutMs ?? analysisQueue.visibilityTimeoutSeconds * 1000,
      true,
    );
    this.maxReceiveCount = positive(
      'maxReceiveCount',
      options.maxReceiveCount ?? analysisQueue.maxReceiveCount,
    );
    this.pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs ?? 200);
    this.maxBatchingWindowMs = positive(
      'maxBatchingWindowMs',
      options.maxBatchingWindowMs ?? analysisQueue.maxBatchingWindowSeconds * 1000,
      true,
    );
    this.concurrency = positive('concurrency', options.concurrency ?? 1);
    this.maxMessageBytes = positive('maxMessageBytes', options.maxMessageBytes ?? 1024 * 1024);
    this.region = options.region ?? process.env.AWS_REGION ?? 'eu-west-1';
    this.queueArn = `arn:aws:sqs:${this.region}:${ACCOUNT_ID}:${options.queueName ?? 'phishx-local-analysis'}`;
    this.#statePath = options.statePath;
    this.#renewWakeSignal();
    if (this.#statePath) this.#load(this.#statePath);
  }

  /** SendMessage. */
  async send(body: string): Promise<{ messageId: string }> {
    if (typeof body !== 'string' || body.length === 0) {
      throw new TypeError('message body must be a non-empty string');
    }
    if (INVALID_BODY_CHARS.test(body)) throw new TypeError('message body contains characters SQS rejects');
    const size = Buffer.byteLength(body, 'utf8');
    if (size > this.maxMessageBytes) {
      throw new RangeError(`message body is ${size} bytes; the limit is ${this.maxMessageBytes}`);
    }
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
      sentTimestamp: Date.now(),
      firstReceiveTimestamp: null,
      receiveCount: 0,
      visibleAt: 0,
      receiptHandle: null,
      lastError: null,
    };
    this.#messages.set(message.messageId, message);
    this.#counters.sent++;
    this.#changed();
    return { messageId: message.messageId };
  }

  /** Starts invoking `consumer` with batches, like an enabled event source mapping. */
  start(consumer: QueueConsumer): void {
    if (this.#consumer) throw new Error('the queue already has a consumer; stop() it first');
    this.#consumer = consumer;
    this.#workers = Array.from({ length: this.concurrency }, () => this.#work(consumer));
  }

  /** Stops polling and resolves once the invocations under way have finished. */
  async stop(): Promise<void> {
    if (!this.#consumer) return;
    this.#consumer = null;
    this.#signal();
    await Promise.all(this.#workers);
    this.#workers = [];
  }

  /** Resolves when no message is waiting or in flight and no invocation is running. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): QueueStats {
    const now = Date.now();
    let waiting = 0;
    let inFlight = 0;
    for (const m of this.#messages.values()) {
      if (m.receiptHandle !== null) inFlight++;
      else if (m.visibleAt <= now) waiting++;
    }
    return {
      waiting,
      inFlight,
      deadLetters: this.#deadLetters.length,
      running: this.#running,
      ...this.#counters,
    };
  }

  /** The DLQ, oldest first. */
  deadLetters(): DeadLetter[] {
    return this.#deadLetters.map((d) => ({ ...d }));
  }

  /**
   * Moves dead letters back to the queue with a fresh receive count (as SQS's redrive does),
   * all of them or those with the given ids. Returns how many moved.
   */
  redrive(messageIds?: readonly string[]): number {
    const wanted = messageIds ? new Set(messageIds) : null;
    let moved = 0;
    for (let i = 0; i < this.#deadLetters.length;) {
      const dead = this.#deadLetters[i] as DeadLetter;
      if (wanted && !wanted.has(dead.messageId)) {
        i++;
        continue;
      }
      this.#deadLetters.splice(i, 1);
      this.#messages.set(dead.messageId, {
        messageId: dead.messageId,
        body: dead.body,
        md5OfBody: createHash('md5').update(dead.body, 'utf8').digest('hex'),
        sentTimestamp: dead.sentTimestamp,
        firstReceiveTimestamp: null,
        receiveCount: 0,
        visibleAt: 0,
        receiptHandle: null,
        lastError: null,
      });
      moved++;
    }
    if (moved > 0) {
      this.#counters.redriven += moved;
      this.#changed();
    }
    return moved;
  }

  /**
   * ReceiveMessage: up to `max` visible messages, made invisible at once. Synchronous, so two
   * concurrent receivers can never get the same message while it is invisible.
   */
  #receive(max: number): StoredMessage[] {
    const now = Date.now();
    const batch: StoredMessage[] = [];
    let changed = false;
    for (const message of this.#messages.values()) {
      if (batch.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.receiptHandle !== null) {
        // Its visibility timeout ran out before it was deleted: it counts as a failed receive.
        message.receiptHandle = null;
        message.lastError ??= VISIBILITY_EXPIRED;
        changed = true;
        if (message.receiveCount >= this.maxReceiveCount) {
          this.#deadLetter(message);
          continue;
        }
      }
      message.receiveCount++;
      message.lastError = null;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = randomBytes(48).toString('base64');
      message.visibleAt = now + this.visibilityTimeoutMs;
      this.#counters.received++;
      batch.push(message);
    }
    if (batch.length > 0 || changed) this.#changed();
    return batch;
  }

  #countVisible(now: number): number {
    let visible = 0;
    for (const m of this.#messages.values()) if (m.visibleAt <= now) visible++;
    return visible;
  }

  #nextVisibleAt(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const m of this.#messages.values()) next = Math.min(next, m.visibleAt);
    return next;
  }

  async #work(consumer: QueueConsumer): Promise<void> {
    let windowStart: number | null = null;
    while (this.#consumer === consumer) {
      const now = Date.now();
      const visible = this.#countVisible(now);
      if (visible === 0) {
        windowStart = null;
        // Sleep until the next visibility timeout runs out, a send, or the poll interval.
        await this.#waitForWork(Math.min(this.pollIntervalMs, this.#nextVisibleAt() - now));
        continue;
      }
      windowStart ??= now;
      const windowLeft = windowStart + this.maxBatchingWindowMs - now;
      if (visible < this.batchSize && windowLeft > 0) {
        await this.#waitForWork(windowLeft);
        continue;
      }
      windowStart = null;
      const batch = this.#receive(this.batchSize);
      if (batch.length > 0) await this.#invoke(consumer, batch);
    }
  }

  /** Sleeps until `ms` passed or the state changed (a send, a completed batch, redrive, stop()). */
  async #waitForWork(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(1, ms));
    });
    await Promise.race([timeout, this.#wakeSignal]);
    clearTimeout(timer);
  }

  async #invoke(consumer: QueueConsumer, batch: StoredMessage[]): Promise<void> {
    const handles = new Map(batch.map((m) => [m.messageId, m.receiptHandle as string]));
    const event: SQSEvent = { Records: batch.map((m) => this.#record(m)) };
    this.#running++;
    let failed: Map<string, string>;
    try {
      const response = await consumer(event);
      failed = this.#failuresOf(response, handles);
    } catch (error) {
      const reason = errorMessage(error);
      failed = new Map(batch.map((m) => [m.messageId, reason]));
    } finally {
      this.#running--;
    }
    for (const [messageId, handle] of handles) {
      const message = this.#messages.get(messageId);
      // Gone, or received again since (its timeout ran out): this invocation no longer owns it.
      if (!message || message.receiptHandle !== handle) continue;
      const reason = failed.get(messageId);
      if (reason === undefined) {
        this.#messages.delete(messageId);
        this.#counters.deleted++;
      } else {
        message.lastError = reason;
        if (message.receiveCount >= this.maxReceiveCount) this.#deadLetter(message);
        // Otherwise it stays invisible until its visibility timeout runs out, then comes back.
      }
    }
    this.#changed();
  }

  /**
   * The partial batch response, read as Lambda does: an empty or missing list deletes the
   * whole batch; an identifier that is not in the batch fails the whole batch.
   */
  #failuresOf(response: unknown, handles: Map<string, string>): Map<string, string> {
    const failed = new Map<string, string>();
    const items = (response as Partial<SQSBatchResponse> | null | undefined)?.batchItemFailures;
    if (!Array.isArray(items)) return failed;
    for (const item of items) {
      const id = item?.itemIdentifier;
      if (typeof id !== 'string' || !handles.has(id)) {
        const all = 'invalid batchItemFailures: the whole batch counts as failed';
        return new Map([...handles.keys()].map((messageId) => [messageId, all]));
      }
      failed.set(id, BATCH_ITEM_FAILURE);
    }
    return failed;
  }

  #deadLetter(message: StoredMessage): void {
    this.#messages.delete(message.messageId);
    this.#deadLetters.push({
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      lastError: message.lastError ?? VISIBILITY_EXPIRED,
      sentTimestamp: message.sentTimestamp,
      deadLetteredAt: Date.now(),
    });
    this.#counters.deadLettered++;
  }

  #record(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle as string,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: SENDER_ID,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
      },
      messageAttributes: {},
      md5OfBody: message.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: this.region,
    };
  }

  #isIdle(): boolean {
    return this.#messages.size === 0 && this.#running === 0;
  }

  #renewWakeSignal(): void {
    this.#wakeSignal = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  #signal(): void {
    const wake = this.#wake;
    this.#renewWakeSignal();
    wake?.();
  }

  /** After every state change: persist, wake the pollers, settle idle() waiters. */
  #changed(): void {
    if (this.#statePath) this.#save(this.#statePath);
    this.#signal();
    if (this.#isIdle() && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #save(path: string): void {
    const state: PersistedState = {
      version: 1,
      messages: [...this.#messages.values()],
      deadLetters: this.#deadLetters,
      counters: this.#counters,
    };
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, path);
  }

  #load(path: string): void {
    if (!existsSync(path)) return;
    const state = JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
    if (state.version !== 1) throw new Error(`${path}: unknown queue state version ${String(state.version)}`);
    for (const m of state.messages) {
      // Whoever had it in flight is gone: it is visible again, its receives still count.
      if (m.receiptHandle !== null) m.lastError ??= 'in flight when the queue stopped';
      this.#messages.set(m.messageId, { ...m, receiptHandle: null, visibleAt: 0 });
    }
    this.#deadLetters.push(...state.deadLetters);
    Object.assign(this.#counters, state.counters);
  }
}
