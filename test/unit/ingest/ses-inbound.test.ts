/**
 * SES inbound through the real handler and core use case, with in-memory repositories (the
 * DynamoDB-backed path is in test/integration/ses-ingest.test.ts): verdicts carried to the
 * stored email and to the analysis, unknown domains, redelivery, several tenants, broken objects.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sesLambdaEvent } from '#adapters/local/ses-inbox.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { analyseQueuedEmail } from '#core/analysis/analyse-email.ts';
import type { AnalysisContext, ReceiptVerdict, ReceiptVerdicts } from '#core/detection/analysis.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { sourceEmailId } from '#core/ingest/ingest-email.ts';
import { assertCompleteMessage } from '#core/ingest/raw-mail.ts';
import { recipientDomain } from '#core/ingest/recipient-domains.ts';
import { sesObjectKey } from '#shared/catalog.ts';
import { createSesIngestHandler, decodeSesEvent } from '../../../lambdas/ingest/ses-ingest.ts';
import {
  InMemoryDomains,
  InMemoryEmails,
  InMemoryMailStore,
  InMemoryTenants,
  RecordingAudit,
  RecordingQueue,
} from '../../support/in-memory-ports.ts';
import { memoryKeyring } from '../../support/memory-branch-keys.ts';

// The handler module builds its AWS adapters at load (unused: ports are injected below).
vi.hoisted(() => {
  Object.assign(process.env, {
    PHISHX_TABLE_NAME: 'unused',
    PHISHX_QUEUE_URL: 'unused',
    PHISHX_DATA_KEY_ID: 'unused',
    PHISHX_MAIL_BUCKET: 'unused',
  });
});

const keyring = memoryKeyring();
const context = { functionName: 'phishx-test-ingest-ses', awsRequestId: 'test' } as never;
const pass: ReceiptVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

const message = (subject = 'Quarterly report') =>
  new TextEncoder().encode(
    [
      'From: "IT Desk" <it@helpdesk.example>',
      'To: ana@acme.example',
      `Subject: ${subject}`,
      'Message-ID: <m1@helpdesk.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Your mailbox is full: https://helpdesk.example/verify',
      '--b1',
      'Content-Type: text/html',
      '',
      '<a href="https://helpdesk.example/verify">Verify</a>',
      '--b1--',
      '',
    ].join('\r\n'),
  );

let emails: InMemoryEmails;
let queue: RecordingQueue;
let domains: InMemoryDomains;
let audit: RecordingAudit;
let mail: InMemoryMailStore;
let handler: ReturnType<typeof createSesIngestHandler>;
let counter = 0;

beforeEach(() => {
  emails = new InMemoryEmails();
  queue = new RecordingQueue();
  domains = new InMemoryDomains(
    new Map([
      ['acme.example', 'acme'],
      ['globex.example', 'globex'],
    ]),
  );
  audit = new RecordingAudit();
  mail = new InMemoryMailStore();
  handler = createSesIngestHandler({
    emails,
    queue,
    keyring,
    domains,
    audit,
    mail,
    clock: systemClock,
    random: cryptoRandom,
    parse: parseEmail,
  });
});

/** Stores the object as SES's S3 action would and returns the Lambda action's event. */
const deliver = (recipients: string[], verdicts: ReceiptVerdicts = pass, raw = message()) => {
  counter += 1;
  const messageId = `ses${counter.toString().padStart(6, '0')}abcdefghij`;
  mail.objects.set(sesObjectKey(messageId), raw);
  return { messageId, event: sesLambdaEvent({ messageId, recipients, verdicts }) };
};

describe('SES event decoding', () => {
  it('maps the receipt verdicts, recipients and object key', () => {
    const { event, messageId } = deliver(['ana@acme.example'], {
      ...pass,
      dmarc: 'FAIL',
      dmarcPolicy: 'reject',
    });
    expect(decodeSesEvent(event)).toEqual([
      {
        messageId,
        recipients: ['ana@acme.example'],
        objectKey: `inbound/${messageId}`,
        receipt: { ...pass, dmarc: 'FAIL', dmarcPolicy: 'reject' },
      },
    ]);
  });

  it('refuses an event that is not SES, or a message id that could escape the prefix', () => {
    expect(() => decodeSesEvent({ Records: [{ eventSource: 'aws:sqs' }] })).toThrow(
      /not an SES receipt event/,
    );
    const { event } = deliver(['ana@acme.example']);
    const record = event.Records[0] as { ses: { mail: { messageId: string } } };
    record.ses.mail.messageId = '../secrets';
    expect(() => decodeSesEvent(event)).toThrow(/not an SES receipt event/);
  });

  it('reads the recipient domain case-insensitively, and nothing from a malformed address', () => {
    expect(recipientDomain('Ana@ACME.Example')).toBe('acme.example');
    expect(recipientDomain('ana@acme.example.')).toBe('acme.example');
    expect(recipientDomain('no-at-sign')).toBeNull();
    expect(recipientDomain('ana@-bad-.example')).toBeNull();
  });
});

describe('receipt verdicts reach the stored email and the analysis', () => {
  const statuses: ReceiptVerdict[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'];
  // Every combination of the five verdicts over the four statuses SES reports with scanning on.
  const combinations: ReceiptVerdicts[] = statuses.flatMap((spam) =>
    statuses.flatMap((virus) =>
      statuses.flatMap((spf) =>
        statuses.flatMap((dkim) => statuses.map((dmarc) => ({ spam, virus, spf, dkim, dmarc }))),
      ),
    ),
  );

  it(`carries all ${combinations.length} combinations unchanged`, async () => {
    expect(combinations).toHaveLength(4 ** 5);
    const seen: (AnalysisContext['receipt'] | undefined)[] = [];
    const analyse = (_email: unknown, analysisContext: AnalysisContext) => {
      seen.push(analysisContext.receipt);
      return { score: 1, verdict: 'allow' as const, findings: [], modelVersion: 'test' };
    };
    const tenants = new InMemoryTenants();
    for (const verdicts of combinations) {
      const { event, messageId } = deliver(['ana@acme.example'], verdicts);
      await handler(event, context);
      const id = sourceEmailId('acme', 'ses', messageId);
      expect((await emails.get('acme', id))?.receipt).toEqual(verdicts);
      await analyseQueuedEmail(
        { tenant: 'acme', id },
        { emails, tenants, keyring, clock: systemClock, random: cryptoRandom, analyse },
      );
    }
    expect(seen).toEqual(combinations);
    expect(queue.jobs).toHaveLength(combinations.length);
  });

  it('keeps DISABLED verdicts (a rule with scanning off) and the DMARC policy', async () => {
    const verdicts: ReceiptVerdicts = {
      ...pass,
      spam: 'DISABLED',
      virus: 'DISABLED',
      dmarc: 'FAIL',
      dmarcPolicy: 'quarantine',
    };
    const { event, messageId } = deliver(['ana@acme.example'], verdicts);
    await handler(event, context);
    expect((await emails.get('acme', sourceEmailId('acme', 'ses', messageId)))?.receipt).toEqual(verdicts);
  });
});

describe('routing by recipient domain', () => {
  it('drops mail for an unknown domain: nothing stored or queued, one audit entry without content', async () => {
    const { event, messageId } = deliver(['ceo@unknown.example']);
    const report = await handler(event, context);
    expect(report.messages[0]).toMatchObject({ delivered: [], unknownDomains: 1 });
    expect(emails.items.size).toBe(0);
    expect(queue.jobs).toHaveLength(0);
    expect(mail.reads).toBe(0);
    expect([...audit.entries.values()]).toEqual([
      expect.objectContaining({
        kind: 'ses_unknown_domain',
        details: { sesMessageId: messageId, domain: 'unknown.example' },
      }),
    ]);
    // A redelivery rewrites the same entry.
    await handler(event, context);
    expect(audit.entries.size).toBe(1);
  });

  it('delivers to the known tenant and audits the unknown domain of the same message', async () => {
    const { event } = deliver(['ana@acme.example', 'x@unknown.example']);
    const report = await handler(event, context);
    expect(report.messages[0]?.delivered.map((email) => email.tenant)).toEqual(['acme']);
    expect(report.messages[0]?.unknownDomains).toBe(1);
    expect(audit.entries.size).toBe(1);
  });

  it('stores one email per tenant for recipients at two tenants, each queued once', async () => {
    const { event, messageId } = deliver(['ana@acme.example', 'bob@ACME.example', 'carl@globex.example']);
    const report = await handler(event, context);
    const delivered = report.messages[0]?.delivered ?? [];
    expect(delivered.map((email) => email.tenant)).toEqual(['acme', 'globex']);
    expect(delivered.map((email) => email.id)).toEqual([
      sourceEmailId('acme', 'ses', messageId),
      sourceEmailId('globex', 'ses', messageId),
    ]);
    expect(emails.items.size).toBe(2);
    expect(queue.jobs.map((job) => job.tenant).sort()).toEqual(['acme', 'globex']);
    expect(mail.reads).toBe(1);
    for (const email of emails.items.values()) expect(email).toMatchObject({ source: 'ses', enqueued: true });
  });

  it('the same message delivered twice is one email and one job; the object is not read again', async () => {
    const { event } = deliver(['ana@acme.example']);
    const first = await handler(event, context);
    const second = await handler(event, context);
    expect(first.messages[0]?.delivered[0]?.duplicate).toBe(false);
    expect(second.messages[0]?.delivered[0]).toMatchObject({
      duplicate: true,
      id: first.messages[0]?.delivered[0]?.id,
    });
    expect(emails.items.size).toBe(1);
    expect(queue.jobs).toHaveLength(1);
    expect(mail.reads).toBe(1);
  });
});

describe('a broken stored object is an error, never a silent drop', () => {
  it('a missing object throws mail_object_missing and stores nothing', async () => {
    const { event, messageId } = deliver(['ana@acme.example']);
    mail.objects.delete(sesObjectKey(messageId));
    await expect(handler(event, context)).rejects.toMatchObject({ code: 'mail_object_missing' });
    expect(emails.items.size).toBe(0);
  });

  it('a multipart message cut short throws mail_object_truncated and stores nothing', async () => {
    const whole = message();
    const { event } = deliver(['ana@acme.example'], pass, whole.subarray(0, whole.byteLength - 40));
    await expect(handler(event, context)).rejects.toMatchObject({ code: 'mail_object_truncated' });
    expect(emails.items.size).toBe(0);
    expect(queue.jobs).toHaveLength(0);
  });

  it('an object that is not a message throws mail_object_corrupt', async () => {
    const { event } = deliver(['ana@acme.example'], pass, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2]));
    await expect(handler(event, context)).rejects.toMatchObject({ code: 'mail_object_corrupt' });
  });

  it('the completeness check accepts a whole message and single-part mail', () => {
    expect(() => assertCompleteMessage(message())).not.toThrow();
    expect(() =>
      assertCompleteMessage(new TextEncoder().encode('From: a@b.example\r\n\r\nhi')),
    ).not.toThrow();
  });
});
