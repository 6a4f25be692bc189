/** Searching encrypted emails by sender, sender domain and recipient, on DynamoDB Local. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { searchEmails } from '#core/emails/search-emails.ts';
import { ingestEmail } from '#core/ingest/ingest-email.ts';
import { DynamoDbBranchKeyRepository } from '#adapters/dynamodb/branch-key-repository.ts';
import { DynamoDbEmailRepository } from '#adapters/dynamodb/email-repository.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { freshTable } from '../support/local-table.ts';

let emails: DynamoDbEmailRepository;
let keyring: BranchKeyring;
let scan: () => Promise<Record<string, unknown>[]>;
const ids: Record<string, string> = {};

const message = (from: string, to: string, subject: string) =>
  new TextEncoder().encode(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nBody of ${subject}\r\n`);

const ingest = async (tenant: string, raw: Uint8Array) =>
  (
    await ingestEmail(
      { tenant, raw, source: 'api', maxBytes: 1 << 20, retentionDays: 90 },
      {
        emails,
        keyring,
        clock: systemClock,
        random: cryptoRandom,
        parse: parseEmail,
        queue: { enqueue: async () => undefined },
      },
    )
  ).id;

const search = (
  tenant: string,
  kind: 'sender-address' | 'sender-domain' | 'recipient-address',
  value: string,
) => searchEmails(tenant, { kind, value }, 20, { emails, keyring, random: cryptoRandom });

beforeAll(async () => {
  const { documents, tableName } = await freshTable();
  emails = new DynamoDbEmailRepository(documents, tableName);
  const kms = LocalDataKeyProvider.fromFile(
    join(mkdtempSync(join(tmpdir(), 'phishx-')), 'master.key'),
    cryptoRandom,
  );
  keyring = new BranchKeyring({
    repository: new DynamoDbBranchKeyRepository(documents, tableName),
    kms,
    clock: systemClock,
  });
  scan = async () => (await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? [];

  ids.one = await ingest('acme', message('Eve <eve@phish.example>', 'ana@acme.example', 'one'));
  ids.two = await ingest('acme', message('eve@phish.example', 'bob@acme.example', 'two'));
  ids.three = await ingest('acme', message('mallory@phish.example', 'ana@acme.example', 'three'));
  ids.four = await ingest('acme', message('alice@good.example', 'ANA@acme.example', 'four'));
  ids.other = await ingest('globex', message('eve@phish.example', 'zed@globex.example', 'other'));
});

describe('email search', () => {
  it('finds every email from a sender, newest first, case-insensitively', async () => {
    const found = await search('acme', 'sender-address', 'EVE@phish.example');
    expect(found.map((email) => email.id)).toEqual([ids.two, ids.one]);
    expect(found[0]).toMatchObject({ status: 'queued', verdict: null, score: null });
  });

  it('finds by sender domain and by recipient', async () => {
    const byDomain = await search('acme', 'sender-domain', 'phish.example');
    expect(byDomain.map((email) => email.id).sort()).toEqual([ids.one, ids.two, ids.three].sort());
    const byRecipient = await search('acme', 'recipient-address', 'ana@acme.example');
    expect(byRecipient.map((email) => email.id).sort()).toEqual([ids.one, ids.three, ids.four].sort());
  });

  it("never returns another tenant's email, even from the same sender", async () => {
    const found = await search('globex', 'sender-address', 'eve@phish.example');
    expect(found.map((email) => email.id)).toEqual([ids.other]);
    expect(await search('initech', 'sender-address', 'eve@phish.example')).toEqual([]);
  });

  it('answers nothing for an unknown value', async () => {
    expect(await search('acme', 'sender-address', 'nobody@nowhere.example')).toEqual([]);
  });

  it('keeps no address in clear anywhere in the table, index entries included', async () => {
    const items = JSON.stringify(await scan(), (_, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    ).toLowerCase();
    for (const secret of ['eve@', 'phish.example', 'ana@', 'acme.example', 'mallory', 'good.example']) {
      expect(items).not.toContain(secret);
    }
    expect(items).toContain('#beacon#sender-address#');
  });
});
