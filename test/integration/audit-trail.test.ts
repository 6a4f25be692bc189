/** The audit trail on DynamoDB Local: sealed, filterable, paged, per tenant, append-only, expiring. */
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuditStore } from '#adapters/dynamodb/audit-store.ts';
import { cryptoRandom } from '#adapters/system.ts';
import { type AuditEvent, AuditTrail, auditRetentionDays } from '#core/audit/audit-trail.ts';
import { ItemIntegrityError } from '#core/crypto/item-envelope.ts';
import { memoryKeyring } from '../support/memory-branch-keys.ts';
import { freshTable } from '../support/local-table.ts';

let trail: AuditTrail;
let store: DynamoDbAuditStore;
let scan: () => Promise<Record<string, unknown>[]>;
let put: (item: Record<string, unknown>) => Promise<void>;

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute, 0)).toISOString();
const event = (minute: number, overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  tenant: 'acme',
  action: 'token_issued',
  at: at(minute),
  actor: 'alice@acme.example',
  sourceIp: '203.0.113.7',
  ...overrides,
});

beforeAll(async () => {
  const { tableName, documents } = await freshTable();
  store = new DynamoDbAuditStore(documents, tableName);
  trail = new AuditTrail({ store, keyring: memoryKeyring(), random: cryptoRandom });
  scan = async () => (await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  put = async (item) => void (await documents.send(new PutCommand({ TableName: tableName, Item: item })));

  // 30 events of acme over 30 minutes: alice signs in every minute, bob fails every third.
  for (let minute = 0; minute < 30; minute += 1) {
    await trail.record(
      minute % 3 === 0
        ? event(minute, { actor: 'bob@acme.example', action: 'login_failed' })
        : event(minute, minute === 29 ? { session: 'sess-29' } : {}),
    );
  }
  await trail.record(event(5, { tenant: 'globex', actor: 'alice@acme.example' }));
  await trail.record(
    event(40, { action: 'subject_exported', target: await trail.pseudonym('acme', 'victim@example.org') }),
  );
});

describe('audit trail', () => {
  it('lists a tenant’s events newest first, decrypted, and none of another tenant', async () => {
    const page = await trail.list('acme', {}, 200);
    expect(page.events).toHaveLength(31);
    expect(page.next).toBeNull();
    const times = page.events.map((entry) => entry.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(page.events[1]).toMatchObject({
      actor: 'alice@acme.example',
      sourceIp: '203.0.113.7',
      session: 'sess-29',
    });
    expect((await trail.list('globex', {}, 200)).events).toHaveLength(1);
    expect((await trail.list('nobody', {}, 200)).events).toEqual([]);
  });

  it('keeps who, where and on whom sealed: no actor, IP or session in any raw item', async () => {
    const raw = JSON.stringify(await scan(), (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    for (const secret of ['alice@acme.example', 'bob@acme', '203.0.113.7', 'sess-29', 'victim@example.org']) {
      expect(raw).not.toContain(secret);
    }
    expect(raw).toContain('login_failed'); // the action stays in clear, to filter on
  });

  it('expires every event after the retention period (TTL attribute)', async () => {
    const items = (await scan()).filter((item) => String(item.pk).endsWith('#AUDIT'));
    expect(items.length).toBe(32);
    for (const item of items) {
      expect(item.expiresAt).toBe(Date.parse(String(item.at)) / 1000 + auditRetentionDays * 86_400);
    }
  });

  it('filters by action, by actor (case-insensitive), and by an inclusive time range', async () => {
    const failed = await trail.list('acme', { actions: ['login_failed'] }, 200);
    expect(failed.events).toHaveLength(10);
    expect(failed.events.every((entry) => entry.actor === 'bob@acme.example')).toBe(true);

    const both = await trail.list('acme', { actions: ['login_failed', 'subject_exported'] }, 200);
    expect(both.events).toHaveLength(11);

    const alice = await trail.list('acme', { actor: 'ALICE@acme.example' }, 200);
    expect(alice.events).toHaveLength(21);
    expect(alice.events.every((entry) => entry.actor === 'alice@acme.example')).toBe(true);

    const window = await trail.list('acme', { from: at(10), to: at(19) }, 200);
    expect(window.events.map((entry) => entry.at)).toEqual(Array.from({ length: 10 }, (_, i) => at(19 - i)));
    const bobInWindow = await trail.list(
      'acme',
      { from: at(10), to: at(19), actor: 'bob@acme.example' },
      200,
    );
    expect(bobInWindow.events.map((entry) => entry.at)).toEqual([at(18), at(15), at(12)]);
  });

  it('finds data-subject events by the subject’s address, though they only hold its pseudonym', async () => {
    const found = await trail.list('acme', { subject: 'Victim@Example.org' }, 200);
    expect(found.events).toHaveLength(1);
    expect(found.events[0]?.target).toMatch(/^subj_[0-9a-f]{32}$/);
    expect((await trail.list('acme', { subject: 'other@example.org' }, 200)).events).toEqual([]);
  });

  it('pages through every event exactly once with the next cursor', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await trail.list('acme', { ...(after && { after }) }, 7);
      expect(page.events.length).toBeLessThanOrEqual(7);
      seen.push(...page.events.map((entry) => entry.id));
      after = page.next ?? undefined;
      pages += 1;
    } while (after);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(31);
    // Paging with a filter: bob's ten events, three at a time.
    const bob: string[] = [];
    after = undefined;
    do {
      const page = await trail.list('acme', { actor: 'bob@acme.example', ...(after && { after }) }, 3);
      bob.push(...page.events.map((entry) => entry.id));
      after = page.next ?? undefined;
    } while (after);
    expect(bob).toHaveLength(10);
  });

  it('is append-only: an event id is never written twice', async () => {
    const [first] = (await store.query('acme', {}, 1)).events;
    if (!first) throw new Error('no event');
    await expect(store.append(first)).rejects.toThrow(/conditional/i);
  });

  it('refuses an event whose sealed fields were swapped with another’s', async () => {
    const items = (await scan()).filter((item) => item.pk === 'TENANT#globex#AUDIT');
    const acme = (await scan()).find((item) => item.pk === 'TENANT#acme#AUDIT');
    const [globex] = items;
    if (!globex || !acme) throw new Error('missing events');
    await put({ ...globex, fields: acme.fields });
    await expect(trail.list('globex', {}, 10)).rejects.toBeInstanceOf(ItemIntegrityError);
  });

  it('finds everything about an address, and removes it on erasure', async () => {
    const about = await trail.about('acme', 'bob@acme.example');
    expect(about).toHaveLength(10);
    await trail.remove(
      'acme',
      about.map((entry) => entry.id),
    );
    expect(await trail.about('acme', 'bob@acme.example')).toEqual([]);
    expect((await trail.list('acme', {}, 200)).events).toHaveLength(21);
  });
});
