/**
 * SES inbound on real parts: the ses-ingest handler with the DynamoDB repositories (emails,
 * domain mapping, audit) on DynamoDB Local, the real parser, local keys, a raw-mail folder
 * standing in for S3; then the real analysis use case and detection engine.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbTenantRepository } from '#adapters/dynamodb/account-repositories.ts';
import { DynamoDbAuditLog } from '#adapters/dynamodb/audit-log.ts';
import { DynamoDbDomainRepository } from '#adapters/dynamodb/domain-repository.ts';
import { DynamoDbEmailRepository } from '#adapters/dynamodb/email-repository.ts';
import { LocalRawMailStore } from '#adapters/local/local-raw-mail-store.ts';
import { sesLambdaEvent } from '#adapters/local/ses-inbox.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { analyseQueuedEmail } from '#core/analysis/analyse-email.ts';
import { createTenant, mapDomain } from '#core/auth/accounts.ts';
import type { AnalysisContext, ReceiptVerdicts } from '#core/detection/analysis.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { sesObjectKey } from '#shared/catalog.ts';
import { createSesIngestHandler } from '../../lambdas/ingest/ses-ingest.ts';
import { corpusEmails, readCorpusEmail } from '../support/corpus.ts';
import { RecordingQueue } from '../support/in-memory-ports.ts';
import { largeMessage } from '../support/large-mail.ts';
import { freshTable } from '../support/local-table.ts';
import { memoryKeyring } from '../support/memory-branch-keys.ts';

vi.hoisted(() => {
  // The handler module builds its AWS adapters at load (unused: ports are injected below).
  Object.assign(process.env, {
    PHISHX_TABLE_NAME: 'unused',
    PHISHX_QUEUE_URL: 'unused',
    PHISHX_DATA_KEY_ID: 'unused',
    PHISHX_MAIL_BUCKET: 'unused',
  });
});

const stateDir = mkdtempSync(join(tmpdir(), 'phishx-ses-int-'));
const bucket = join(stateDir, 'bucket');
const keyring = memoryKeyring();
const context = { functionName: 'phishx-test-ingest-ses', awsRequestId: 'test' } as never;
const ports = { clock: systemClock, random: cryptoRandom };

let documents: DynamoDBDocumentClient;
let tableName: string;
let emails: DynamoDbEmailRepository;
let tenants: DynamoDbTenantRepository;
let domains: DynamoDbDomainRepository;
let queue: RecordingQueue;
let handler: ReturnType<typeof createSesIngestHandler>;
let counter = 0;

const scan = async () => (await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
const emailItems = async () => (await scan()).filter((item) => item.sk === 'EMAIL');

const deliver = (recipients: string[], raw: Uint8Array, verdicts: ReceiptVerdicts) => {
  counter += 1;
  const messageId = `int${counter.toString().padStart(6, '0')}sesmessage`;
  mkdirSync(join(bucket, 'inbound'), { recursive: true });
  writeFileSync(join(bucket, sesObjectKey(messageId)), raw);
  return { messageId, event: sesLambdaEvent({ messageId, recipients, verdicts }) };
};

const pass: ReceiptVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };
const phish = corpusEmails().find((email) => email.label === 'phish');
if (!phish) throw new Error('The corpus has no phishing email');
const phishRaw = readCorpusEmail(phish);

beforeAll(async () => {
  ({ tableName, documents } = await freshTable());
  emails = new DynamoDbEmailRepository(documents, tableName);
  tenants = new DynamoDbTenantRepository(documents, tableName);
  domains = new DynamoDbDomainRepository(documents, tableName);
  queue = new RecordingQueue();
  handler = createSesIngestHandler({
    emails,
    queue,
    keyring,
    domains,
    audit: new DynamoDbAuditLog(documents, tableName, 30),
    mail: new LocalRawMailStore(bucket),
    parse: parseEmail,
    ...ports,
  });
  const accounts = { tenants, domains, clock: systemClock };
  await createTenant({ id: 'acme', name: 'Acme', domains: ['acme.example', 'Mail.Acme.Example'] }, accounts);
  await createTenant({ id: 'globex', name: 'Globex', domains: [] }, accounts);
  await mapDomain('globex.example', 'globex', accounts);
});

describe('domain mapping', () => {
  it('createTenant maps its domains (lower-case); a mapped domain cannot move to another tenant', async () => {
    expect(await domains.tenantFor('acme.example')).toBe('acme');
    expect(await domains.tenantFor('mail.acme.example')).toBe('acme');
    expect(await domains.tenantFor('globex.example')).toBe('globex');
    await mapDomain('acme.example', 'acme', { tenants, domains, clock: systemClock }); // again: fine
    await expect(
      mapDomain('acme.example', 'globex', { tenants, domains, clock: systemClock }),
    ).rejects.toMatchObject({
      code: 'domain_taken',
    });
    await expect(
      mapDomain('x.example', 'nobody', { tenants, domains, clock: systemClock }),
    ).rejects.toMatchObject({
      code: 'tenant_not_found',
    });
    await expect(
      mapDomain('not a domain', 'acme', { tenants, domains, clock: systemClock }),
    ).rejects.toMatchObject({
      code: 'invalid_domain',
    });
  });
});

describe('SES delivery on DynamoDB Local', () => {
  it('stores the message encrypted with its receipt verdicts; the analysis sees them', async () => {
    const verdicts: ReceiptVerdicts = { ...pass, spf: 'FAIL', dmarc: 'FAIL', dmarcPolicy: 'reject' };
    const { event } = deliver(['soc@acme.example'], phishRaw, verdicts);
    const report = await handler(event, context);
    const [delivered] = report.messages[0]?.delivered ?? [];
    if (!delivered) throw new Error('not delivered');
    // The email item, not its beacon index entries (which carry the id too).
    const [item] = (await scan()).filter((entry) => entry.id === delivered.id && entry.sk === 'EMAIL');
    expect(item).toMatchObject({
      tenant: 'acme',
      source: 'ses',
      status: 'queued',
      enqueued: true,
      receipt: verdicts,
    });
    // Personal fields are ciphertext: the sender's address appears nowhere in clear.
    expect(JSON.stringify(item)).not.toMatch(/@[a-z0-9-]+\.[a-z]{2,}/i);

    let seen: AnalysisContext | undefined;
    const outcome = await analyseQueuedEmail(
      { tenant: 'acme', id: delivered.id },
      {
        emails,
        tenants,
        keyring,
        ...ports,
        analyse: (email, analysisContext) => {
          seen = analysisContext;
          return analyseEmail(email, analysisContext);
        },
      },
    );
    expect(outcome.kind).toBe('analyzed');
    expect(seen?.receipt).toEqual(verdicts);
    expect(seen?.tenantDomains).toEqual(['acme.example', 'mail.acme.example']);
    expect((await emails.get('acme', delivered.id))?.status).toBe('analyzed');
  });

  it('an unknown recipient domain stores no email, and writes one audit item that expires', async () => {
    const before = await emailItems();
    const { event, messageId } = deliver(['ceo@unknown.example'], phishRaw, pass);
    await handler(event, context);
    await handler(event, context);
    expect(await emailItems()).toHaveLength(before.length);
    const audits = (await scan()).filter((item) => String(item.pk).startsWith('AUDIT#'));
    const entry = audits.find(
      (item) => (item.details as { sesMessageId?: string })?.sesMessageId === messageId,
    );
    expect(entry).toMatchObject({ kind: 'ses_unknown_domain', details: { domain: 'unknown.example' } });
    expect(audits.filter((item) => item.sk === entry?.sk)).toHaveLength(1);
    expect(entry?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    // Never the message: no subject, body or sender in the audit item.
    expect(JSON.stringify(entry)).not.toContain('@');
  });

  it('the same message delivered twice is one email and one job', async () => {
    const jobsBefore = queue.jobs.length;
    const itemsBefore = (await emailItems()).length;
    const { event } = deliver(['soc@acme.example'], phishRaw, pass);
    const first = await handler(event, context);
    const second = await handler(event, context);
    expect(second.messages[0]?.delivered[0]).toMatchObject({
      id: first.messages[0]?.delivered[0]?.id,
      duplicate: true,
    });
    expect((await emailItems()).length).toBe(itemsBefore + 1);
    expect(queue.jobs.length).toBe(jobsBefore + 1);
  });

  it('recipients at two tenants give two emails, one per tenant, each readable by its tenant only', async () => {
    const { event } = deliver(['soc@acme.example', 'it@globex.example'], phishRaw, pass);
    const report = await handler(event, context);
    const delivered = report.messages[0]?.delivered ?? [];
    expect(delivered.map((email) => email.tenant)).toEqual(['acme', 'globex']);
    const [acme, globex] = delivered;
    expect(await emails.get('acme', acme?.id ?? '')).not.toBeNull();
    expect(await emails.get('globex', globex?.id ?? '')).not.toBeNull();
    expect(await emails.get('globex', acme?.id ?? '')).toBeNull();
  });

  it('a 25 MB message with attachments is ingested and analysed', async () => {
    const raw = largeMessage(25 * 1024 * 1024);
    const { event } = deliver(['finance@acme.example'], raw, pass);
    const started = performance.now();
    const report = await handler(event, context);
    const ingestMs = performance.now() - started;
    const [delivered] = report.messages[0]?.delivered ?? [];
    if (!delivered) throw new Error('not delivered');
    const stored = await emails.get('acme', delivered.id);
    expect(stored?.sizeBytes).toBe(raw.byteLength);
    const outcome = await analyseQueuedEmail(
      { tenant: 'acme', id: delivered.id },
      { emails, tenants, keyring, analyse: analyseEmail, ...ports },
    );
    expect(outcome.kind).toBe('analyzed');
    // Far inside the function's 60 s timeout, even on this shared 2-core machine.
    expect(ingestMs).toBeLessThan(15_000);
  });

  it('a truncated object is an error and stores nothing; so is a missing one', async () => {
    const before = (await emailItems()).length;
    const raw = largeMessage(256 * 1024, 2);
    const { event } = deliver(['soc@acme.example'], raw.subarray(0, 200 * 1024), pass);
    await expect(handler(event, context)).rejects.toMatchObject({ code: 'mail_object_truncated' });
    const missing = sesLambdaEvent({
      messageId: 'neverstored00000',
      recipients: ['soc@acme.example'],
      verdicts: pass,
    });
    await expect(handler(missing, context)).rejects.toMatchObject({ code: 'mail_object_missing' });
    expect((await emailItems()).length).toBe(before);
  });
});
