/**
 * Ingest and analysis use cases on real parts: the DynamoDB repository against DynamoDB Local,
 * the real MIME parser and detection engine, the local key provider and the in-process queue.
 */
import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTenantRepository } from '#adapters/dynamodb/account-repositories.ts';
import { DynamoDbEmailRepository } from '#adapters/dynamodb/email-repository.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { analyseQueuedEmail, recordFinalFailure } from '#core/analysis/analyse-email.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { viewEmail } from '#core/emails/email-view.ts';
import { ingestEmail } from '#core/ingest/ingest-email.ts';
import type { AnalysisJob, AnalysisQueue } from '#core/ports.ts';
import { corpusEmails, readCorpusEmail } from '../support/corpus.ts';
import { freshTable } from '../support/local-table.ts';
import { memoryKeyring } from '../support/memory-branch-keys.ts';

const maxBytes = 4 * 1024 * 1024;
let emails: DynamoDbEmailRepository;
let tenants: DynamoDbTenantRepository;
let scanTable: () => Promise<Record<string, unknown>[]>;
const keyring = memoryKeyring();

/** Records jobs; can be told to fail the next sends, like an SQS outage. */
class RecordingQueue implements AnalysisQueue {
  readonly jobs: AnalysisJob[] = [];
  failNext = 0;
  async enqueue(job: AnalysisJob) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('queue unavailable');
    }
    this.jobs.push(job);
  }
}

const ingestPorts = (queue: AnalysisQueue) => ({
  emails,
  queue,
  keyring,
  clock: systemClock,
  random: cryptoRandom,
  parse: parseEmail,
});
const analysePorts = () => ({
  emails,
  tenants,
  keyring,
  clock: systemClock,
  random: cryptoRandom,
  analyse: analyseEmail,
});

const phish = corpusEmails().find((email) => email.label === 'phish');
if (!phish) throw new Error('The corpus has no phishing email');
const raw = readCorpusEmail(phish);

beforeAll(async () => {
  const { tableName, documents } = await freshTable();
  emails = new DynamoDbEmailRepository(documents, tableName);
  tenants = new DynamoDbTenantRepository(documents, tableName);
  scanTable = async () => (await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
});

describe('ingest', () => {
  it('stores the message with every personal field encrypted, and queues one job', async () => {
    const queue = new RecordingQueue();
    const result = await ingestEmail(
      { tenant: 'acme', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    expect(result).toMatchObject({ status: 'queued', duplicate: false });
    expect(queue.jobs).toEqual([{ tenant: 'acme', id: result.id }]);

    const parsed = await parseEmail(raw);
    const items = JSON.stringify(await scanTable(), (_, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    for (const secret of [
      parsed.subject,
      parsed.from?.address,
      parsed.to[0]?.address,
      parsed.text.slice(0, 40),
    ]) {
      if (secret && secret.length > 3) expect(items).not.toContain(secret);
    }
    const stored = await emails.get('acme', result.id);
    expect(stored).toMatchObject({
      status: 'queued',
      enqueued: true,
      source: 'api',
      sizeBytes: raw.byteLength,
    });
    expect(Object.keys(stored?.fields ?? {}).sort()).toEqual([
      'body',
      'headers',
      'recipients',
      'sender',
      'subject',
    ]);
    // Retention: the table's TTL attribute is set 90 days out (DynamoDB Local does not expire items).
    const ninetyDaysOut = Date.now() / 1000 + 90 * 86_400;
    expect(stored?.expiresAt).toBeGreaterThan(ninetyDaysOut - 60);
    expect(stored?.expiresAt).toBeLessThanOrEqual(ninetyDaysOut);
  });

  it('answers the same id for the same message and queues it once', async () => {
    const queue = new RecordingQueue();
    const first = await ingestEmail(
      { tenant: 'dup', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    const second = await ingestEmail(
      { tenant: 'dup', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    expect(second).toEqual({ id: first.id, status: 'queued', duplicate: true });
    expect(queue.jobs).toHaveLength(1);
  });

  it('gives each tenant its own copy of the same message', async () => {
    const queue = new RecordingQueue();
    const a = await ingestEmail(
      { tenant: 'tenant-a', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    const b = await ingestEmail(
      { tenant: 'tenant-b', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    expect(a.id).not.toBe(b.id);
  });

  it('loses nothing when the queue fails: the retry of the same post enqueues it', async () => {
    const queue = new RecordingQueue();
    queue.failNext = 1;
    const request = { tenant: 'outage', raw, source: 'api' as const, maxBytes, retentionDays: 90 };
    await expect(ingestEmail(request, ingestPorts(queue))).rejects.toThrow('queue unavailable');
    expect(queue.jobs).toHaveLength(0);
    const retried = await ingestEmail(request, ingestPorts(queue));
    expect(retried).toMatchObject({ status: 'queued', duplicate: true });
    expect(queue.jobs).toEqual([{ tenant: 'outage', id: retried.id }]);
  });

  it('stores nothing for input that is not an email', async () => {
    const before = (await scanTable()).length;
    const queue = new RecordingQueue();
    await expect(
      ingestEmail(
        { tenant: 'acme', raw: Buffer.from('hello'), source: 'api', maxBytes, retentionDays: 90 },
        ingestPorts(queue),
      ),
    ).rejects.toMatchObject({ code: 'not_an_email' });
    expect((await scanTable()).length).toBe(before);
    expect(queue.jobs).toHaveLength(0);
  });
});

describe('analysis', () => {
  it('stores the verdict once, and the tenant reads it back with decrypted findings', async () => {
    const queue = new RecordingQueue();
    const { id } = await ingestEmail(
      { tenant: 'scored', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    const outcome = await analyseQueuedEmail({ tenant: 'scored', id }, analysePorts());
    expect(outcome.kind).toBe('analyzed');
    const again = await analyseQueuedEmail({ tenant: 'scored', id }, analysePorts());
    expect(again.kind).toBe('already-analyzed');

    const view = await viewEmail('scored', id, { emails, keyring, random: cryptoRandom });
    if (outcome.kind !== 'analyzed') throw new Error('unreachable');
    expect(view).toMatchObject({
      id,
      status: 'analyzed',
      score: outcome.analysis.score,
      verdict: outcome.analysis.verdict,
      modelVersion: outcome.analysis.modelVersion,
      failureReason: null,
    });
    expect(view.findings).toEqual(outcome.analysis.findings);
  });

  it('hides an email from every other tenant', async () => {
    const queue = new RecordingQueue();
    const { id } = await ingestEmail(
      { tenant: 'owner', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    await expect(viewEmail('intruder', id, { emails, keyring, random: cryptoRandom })).rejects.toMatchObject({
      kind: 'not_found',
      code: 'email_not_found',
    });
  });

  it('marks an email failed after its last attempt, but never over a stored result', async () => {
    const queue = new RecordingQueue();
    const { id } = await ingestEmail(
      { tenant: 'failing', raw, source: 'api', maxBytes, retentionDays: 90 },
      ingestPorts(queue),
    );
    await recordFinalFailure({ tenant: 'failing', id }, new Error('boom'), { emails, clock: systemClock });
    expect(await viewEmail('failing', id, { emails, keyring, random: cryptoRandom })).toMatchObject({
      status: 'failed',
      failureReason: 'Error',
      verdict: null,
    });
    // A redriven job may still succeed; its result replaces the failure.
    await analyseQueuedEmail({ tenant: 'failing', id }, analysePorts());
    await recordFinalFailure({ tenant: 'failing', id }, new Error('late'), { emails, clock: systemClock });
    expect(await viewEmail('failing', id, { emails, keyring, random: cryptoRandom })).toMatchObject({
      status: 'analyzed',
      failureReason: null,
    });
  });

  it('refuses a job for an email that does not exist', async () => {
    await expect(
      analyseQueuedEmail({ tenant: 'acme', id: '0'.repeat(32) }, analysePorts()),
    ).rejects.toMatchObject({ code: 'email_not_found' });
  });
});

describe('every corpus email fits storage', () => {
  it('ingests and analyses the largest messages of the corpus', async () => {
    const largest = corpusEmails()
      .map((email) => ({ email, size: readFileSync(email.path).byteLength }))
      .sort((a, b) => b.size - a.size)
      .slice(0, 3);
    const queue = new RecordingQueue();
    for (const { email } of largest) {
      const { id } = await ingestEmail(
        { tenant: 'large', raw: readCorpusEmail(email), source: 'api', maxBytes, retentionDays: 90 },
        ingestPorts(queue),
      );
      await expect(analyseQueuedEmail({ tenant: 'large', id }, analysePorts())).resolves.toMatchObject({
        kind: 'analyzed',
      });
    }
  });
});
