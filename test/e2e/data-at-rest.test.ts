/**
 * Field encryption, end to end, on the local stack: corpus emails posted over HTTP leave no
 * plaintext sender, recipient or subject anywhere in DynamoDB Local (a raw scan of every item
 * and attribute, binary ones decoded too), while the API answers them decrypted to the roles
 * that investigate mail and withholds them from the others. Then the GDPR rights on the same
 * data: an export returns a subject's mail, an erase removes it from the table, and a fresh
 * export is empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createUser } from '#core/auth/accounts.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { type LocalStack, startLocalStack } from '../../bin/local-stack.ts';
import { corpusEmails, readCorpusEmail } from '../support/corpus.ts';
import { call, login, postEmail, waitForAnalysis } from '../support/local-stack-client.ts';

const sampleSize = 24;
const lowCost = { logN: 10, r: 8, p: 1 };
const password = 'a-long-enough-password';
let stack: LocalStack;
let stateDir: string;
let adminToken: string;

interface Posted {
  readonly id: string;
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly subject: string;
}
const posted: Posted[] = [];

/** Every attribute of every item as text: strings as they are, binaries decoded as UTF-8 and Latin-1. */
const rawTableText = async (): Promise<string> => {
  const client = new DynamoDBClient({ endpoint: inject('ddbEndpoint'), region: 'eu-west-1' });
  const { tableName } = await import('#adapters/aws.ts');
  const parts: string[] = [];
  const visit = (value: AttributeValue): void => {
    if (value.S !== undefined) parts.push(value.S);
    else if (value.B !== undefined) {
      parts.push(Buffer.from(value.B).toString('utf8'), Buffer.from(value.B).toString('latin1'));
    } else if (value.M) Object.values(value.M).forEach(visit);
    else if (value.L) value.L.forEach(visit);
    else if (value.SS) parts.push(...value.SS);
  };
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName(), ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) Object.values(item).forEach(visit);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return parts.join('\n').toLowerCase();
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'phishx-at-rest-'));
  stack = await startLocalStack({
    port: 0,
    stateDir,
    dynamoDbEndpoint: inject('ddbEndpoint'),
    tenant: 'at-rest',
    admin: { username: 'at-rest-admin' },
    passwordCost: lowCost,
    queue: { visibilityTimeoutMs: 2_000, pollIntervalMs: 20, maxBatchingWindowMs: 20 },
  });
  const aws = await import('#adapters/aws.ts');
  for (const [username, role] of [
    ['at-rest-analyst', 'soc_analyst'],
    ['at-rest-viewer', 'readonly'],
  ] as const) {
    await createUser(
      { username, password, tenant: 'at-rest', role },
      { users: aws.users(), clock: systemClock, random: cryptoRandom, passwordCost: lowCost },
    );
  }
  adminToken = await login(stack.url, stack.admin.username, stack.admin.password);

  const all = corpusEmails();
  const step = Math.floor(all.length / sampleSize);
  for (const email of all.filter((_, index) => index % step === 0).slice(0, sampleSize)) {
    const raw = readCorpusEmail(email);
    const parsed = await parseEmail(raw);
    const accepted = await postEmail(stack.url, adminToken, raw);
    expect(accepted.status).toBe(202);
    const analysed = await waitForAnalysis(stack.url, adminToken, accepted.body.id);
    expect(analysed.body.status).toBe('analyzed');
    posted.push({
      id: accepted.body.id,
      sender: parsed.from?.address.toLowerCase() ?? '',
      recipients: [...parsed.to, ...parsed.cc].map((to) => to.address.toLowerCase()),
      subject: parsed.subject.trim(),
    });
  }
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('personal fields at rest', () => {
  it('a raw scan of DynamoDB Local finds no sender, recipient or subject in clear', async () => {
    const table = await rawTableText();
    const secrets = new Set<string>();
    for (const email of posted) {
      for (const address of [email.sender, ...email.recipients])
        if (address.includes('@')) secrets.add(address);
      if (email.subject.length >= 10) secrets.add(email.subject.toLowerCase());
    }
    expect(secrets.size).toBeGreaterThan(sampleSize);
    const leaked = [...secrets].filter((secret) => table.includes(secret));
    expect(leaked).toEqual([]);
    // The scan did read the emails: their ids are there, in clear, as keys.
    for (const email of posted) expect(table).toContain(email.id);
  });

  it('the API answers them decrypted to an analyst and an admin, and withholds them from read-only', async () => {
    const analyst = await login(stack.url, 'at-rest-analyst', password);
    const viewer = await login(stack.url, 'at-rest-viewer', password);
    const withSender = posted.filter((email) => email.sender.includes('@')).slice(0, 5);
    expect(withSender.length).toBe(5);
    for (const email of withSender) {
      for (const token of [analyst, adminToken]) {
        const view = await call<{
          message?: { from: { address: string } | null; to: { address: string }[]; subject: string };
        }>(`${stack.url}/v1/emails/${email.id}`, { token });
        expect(view.status).toBe(200);
        expect(view.body.message?.from?.address.toLowerCase()).toBe(email.sender);
        expect(view.body.message?.subject.trim()).toBe(email.subject);
        expect(view.body.message?.to.map((to) => to.address.toLowerCase())).toEqual(
          email.recipients.slice(0, view.body.message?.to.length),
        );
      }
      const redacted = await call<Record<string, unknown>>(`${stack.url}/v1/emails/${email.id}`, {
        token: viewer,
      });
      expect(redacted.status).toBe(200);
      expect(redacted.body.verdict).toBeDefined();
      expect(redacted.body).not.toHaveProperty('message');
      expect(JSON.stringify(redacted.body).toLowerCase()).not.toContain(email.sender);
    }
  });
});

describe('GDPR export and erase', () => {
  it('exports a subject, erases it, and a fresh export is empty', async () => {
    // The address in the most emails of the sample (as sender or recipient), and those emails.
    const appearsIn = (address: string) =>
      posted.filter((email) => email.sender === address || email.recipients.includes(address));
    const addresses = [...new Set(posted.flatMap((email) => [email.sender, ...email.recipients]))].filter(
      (address) => address.includes('@'),
    );
    const subject = addresses.sort((a, b) => appearsIn(b).length - appearsIn(a).length)[0] ?? '';
    const theirs = appearsIn(subject);
    expect(theirs.length).toBeGreaterThan(1);
    const url = `${stack.url}/v1/subjects/${encodeURIComponent(subject)}`;

    const exported = await call<{
      subject: string;
      emails: {
        id: string;
        roles: string[];
        message: { subject: string };
        analysis: { verdict: string } | null;
      }[];
      next: string | null;
    }>(`${url}/export`, { token: adminToken });
    expect(exported.status).toBe(200);
    expect(exported.body.emails.map((email) => email.id).sort()).toEqual(
      theirs.map((email) => email.id).sort(),
    );
    expect(exported.body.emails[0]?.roles.length).toBeGreaterThan(0);
    expect(exported.body.emails[0]?.analysis?.verdict).toMatch(/allow|quarantine|block/);
    expect(exported.body.next).toBeNull();

    // Not for an analyst: admin only.
    const analyst = await login(stack.url, 'at-rest-analyst', password);
    expect((await call(`${url}/export`, { token: analyst })).status).toBe(403);
    expect((await call(url, { method: 'DELETE', token: analyst })).status).toBe(403);

    const erased = await call<{
      erased: { emails: number };
      complete: boolean;
      retained: { backupDays: number; goneFromBackupsBy: string; erasureRecord: { pseudonym: string } };
    }>(url, { method: 'DELETE', token: adminToken });
    expect(erased.status).toBe(200);
    expect(erased.body.erased.emails).toBe(theirs.length);
    expect(erased.body.complete).toBe(true);
    expect(erased.body.retained.backupDays).toBe(35);
    expect(Date.parse(erased.body.retained.goneFromBackupsBy) - Date.now()).toBeGreaterThan(34 * 86_400_000);

    for (const email of theirs) {
      expect((await call(`${stack.url}/v1/emails/${email.id}`, { token: adminToken })).status).toBe(404);
    }
    // Gone from the table itself, index entries included (no item names the erased ids)...
    const table = await rawTableText();
    for (const email of theirs) expect(table).not.toContain(email.id);
    // ...while everyone else's mail is still there.
    const others = posted.filter((email) => !theirs.includes(email));
    for (const email of others) expect(table).toContain(email.id);

    const again = await call<{ emails: unknown[]; auditEvents: unknown[]; account: unknown }>(
      `${url}/export`,
      {
        token: adminToken,
      },
    );
    expect(again.body).toMatchObject({ emails: [], auditEvents: [], account: null });
    // Erasing again finds nothing more: idempotent.
    const twice = await call<{ erased: { emails: number } }>(url, { method: 'DELETE', token: adminToken });
    expect(twice.body.erased.emails).toBe(0);

    // Both rights were exercised on the record, naming the subject by pseudonym, never by address.
    const trail = await call<{ events: { action: string; target?: string }[] }>(
      `${stack.url}/v1/audit?subject=${encodeURIComponent(subject)}`,
      { token: adminToken },
    );
    const actions = trail.body.events.map((event) => event.action);
    expect(actions).toContain('subject_exported');
    expect(actions).toContain('subject_erased');
    expect(
      trail.body.events.every((event) => event.target === erased.body.retained.erasureRecord.pseudonym),
    ).toBe(true);
    expect(JSON.stringify(trail.body).toLowerCase()).not.toContain(subject);
  });

  it('answers a clear error for an address that is not one', async () => {
    const response = await call<{ error: { code: string } }>(
      `${stack.url}/v1/subjects/not-an-address/export`,
      {
        token: adminToken,
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_address');
  });
});
