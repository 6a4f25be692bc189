/**
 * The rotation job's core on memory ports: stale items move to the newest branch key without
 * their fields changing, current items are untouched, a stopped or crashed run resumes where it
 * stopped, items failing integrity are counted and skipped, and branch keys past the rotation
 * period are rotated first.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom } from '#adapters/system.ts';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { openEmail, openFindings, sealEmail } from '#core/emails/email-envelope.ts';
import {
  branchKeyRotationPeriodDays,
  isRotationDue,
  rotateIfDue,
} from '#core/rotation/branch-key-rotation.ts';
import {
  type EmailRef,
  type RewrapFailureReason,
  type RewrapPorts,
  RewrapRunError,
  passPercent,
  runRewrap,
} from '#core/rotation/rewrap-items.ts';
import { CountingKms, MemoryBranchKeyRepository } from '../../support/memory-branch-keys.ts';
import { MemoryRewrapCheckpoints, MemoryRewrapSource } from '../../support/rewrap-memory-ports.ts';

const master = LocalDataKeyProvider.fromFile(
  join(mkdtempSync(join(tmpdir(), 'phishx-rewrap-')), 'master.key'),
  cryptoRandom,
);
const day = 86_400_000;

let now: number;
let repository: MemoryBranchKeyRepository;
let kms: CountingKms;
let keyring: BranchKeyring;
let source: MemoryRewrapSource;
let checkpoints: MemoryRewrapCheckpoints;
let failures: { item: EmailRef; reason: RewrapFailureReason }[];

const clock = { now: () => new Date(now) };
const crypto = () => ({ keyring, random: cryptoRandom });
const ports = (): RewrapPorts => ({
  source,
  checkpoints,
  keyring,
  branchKeys: repository,
  clock,
  random: cryptoRandom,
  onFailure: (item, reason) => failures.push({ item, reason }),
});

beforeEach(() => {
  now = Date.parse('2026-11-23T12:00:00Z');
  repository = new MemoryBranchKeyRepository();
  kms = new CountingKms(master);
  keyring = new BranchKeyring({ repository, kms, clock }, { cacheMilliseconds: 60_000, maxUses: 10_000 });
  source = new MemoryRewrapSource(repository, 3);
  checkpoints = new MemoryRewrapCheckpoints();
  failures = [];
});

const message = (n: number) =>
  new TextEncoder().encode(
    `From: Sender ${n} <sender${n}@example.com>\r\nTo: you@example.org\r\nSubject: Invoice ${n}\r\n` +
      `Message-ID: <m${n}@example.com>\r\n\r\nPlease pay invoice ${n} today.\r\n`,
  );

/** Seals `count` emails for the tenant, as ingest does, and stores them in the memory table. */
const store = async (tenant: string, count: number, from = 0) => {
  for (let n = from; n < from + count; n += 1) {
    const id = `${tenant}-${String(n).padStart(3, '0')}`;
    const { envelope, fields } = await sealEmail(await parseEmail(message(n)), { tenant, id }, crypto());
    source.put({ tenant, id, envelope, fields, other: { status: 'queued' } });
  }
};

const emailsOf = (tenant: string) => [...source.emails.values()].filter((email) => email.tenant === tenant);
const versionsOf = (tenant: string) => emailsOf(tenant).map((email) => email.envelope.branchVersion);
const opened = async (tenant: string) =>
  Promise.all(
    emailsOf(tenant).map(async (email) => {
      const item = await openEmail(email, crypto());
      item.close();
      return item.email;
    }),
  );

describe('runRewrap', () => {
  it('moves every stale item of a rotated tenant to the newest key; fields and other tenants untouched', async () => {
    await store('acme', 7);
    await store('globex', 4);
    const before = { acme: await opened('acme'), globex: await opened('globex') };
    const acmeFields = emailsOf('acme').map((email) => email.fields);
    const globexEnvelopes = emailsOf('globex').map((email) => email.envelope);
    expect(await keyring.rotate('acme')).toBe(2);

    // Old versions stay decrypt-only: everything still opens before the job runs.
    expect(await opened('acme')).toEqual(before.acme);

    const kmsCalls = kms.calls;
    const report = await runRewrap(ports(), { totalSegments: 2 });
    // Branch keys are cached: no KMS call per item (both versions were unwrapped already).
    expect(kms.calls - kmsCalls).toBeLessThanOrEqual(2);
    expect(report).toMatchObject({
      pass: 1,
      scanned: 11,
      rewrapped: 7,
      alreadyCurrent: 4,
      skipped: 0,
      failed: 0,
      branchKeysRotated: 0,
      segmentsComplete: 2,
      totalSegments: 2,
      passComplete: true,
    });
    expect(versionsOf('acme')).toEqual(Array(7).fill(2));
    expect(emailsOf('acme').map((email) => email.fields)).toEqual(acmeFields);
    expect(emailsOf('acme').every((email) => email.other?.status === 'queued')).toBe(true);
    expect(await opened('acme')).toEqual(before.acme);
    expect(emailsOf('globex').map((email) => email.envelope)).toEqual(globexEnvelopes);
    expect(await opened('globex')).toEqual(before.globex);
    expect(passPercent(report)).toBe(100);
  });

  it('is idempotent: a second run starts a new pass and rewraps nothing', async () => {
    await store('acme', 5);
    await keyring.rotate('acme');
    await runRewrap(ports(), { totalSegments: 2 });
    const envelopes = emailsOf('acme').map((email) => ({ ...email.envelope }));
    const writes = source.writes;

    const second = await runRewrap(ports(), { totalSegments: 2 });
    expect(second).toMatchObject({
      pass: 2,
      scanned: 5,
      rewrapped: 0,
      alreadyCurrent: 5,
      passComplete: true,
    });
    expect(source.writes).toBe(writes);
    expect(emailsOf('acme').map((email) => email.envelope)).toEqual(envelopes);
  });

  it('stops cleanly between pages and resumes where it stopped, scanning nothing twice', async () => {
    await store('acme', 10);
    await keyring.rotate('acme');
    let pages = 0;
    const first = await runRewrap(ports(), { totalSegments: 1, keepGoing: () => pages++ < 1 });
    expect(first).toMatchObject({
      pass: 1,
      scanned: 3,
      rewrapped: 3,
      segmentsComplete: 0,
      passComplete: false,
    });
    expect(passPercent(first)).toBe(0);
    expect(versionsOf('acme').filter((version) => version === 2)).toHaveLength(3);
    expect(checkpoints.segments.get(0)?.cursor).not.toBeNull();

    const resumed = await runRewrap(ports(), { totalSegments: 1 });
    expect(resumed).toMatchObject({
      pass: 1,
      scanned: 7,
      rewrapped: 7,
      alreadyCurrent: 0,
      passComplete: true,
    });
    expect(versionsOf('acme')).toEqual(Array(10).fill(2));

    // After completion the next run is a new pass over everything, finding it current.
    expect(await runRewrap(ports(), { totalSegments: 1 })).toMatchObject({
      pass: 2,
      scanned: 10,
      rewrapped: 0,
      alreadyCurrent: 10,
    });
  });

  it('resumes after a crash mid-pass from the last checkpoint; the crashed page is redone harmlessly', async () => {
    await store('acme', 9);
    await keyring.rotate('acme');
    source.failOnScan = 2;
    const crash = await runRewrap(ports(), { totalSegments: 1 }).catch((error: unknown) => error);
    expect(crash).toBeInstanceOf(RewrapRunError);
    expect((crash as RewrapRunError).report).toMatchObject({ rewrapped: 3, passComplete: false });

    const resumed = await runRewrap(ports(), { totalSegments: 1 });
    expect(resumed).toMatchObject({ pass: 1, rewrapped: 6, failed: 0, passComplete: true });
    expect(versionsOf('acme')).toEqual(Array(9).fill(2));
  });

  it('counts an item that fails integrity, reports its id only, leaves it as it is, and carries on', async () => {
    await store('acme', 6);
    await keyring.rotate('acme');
    const [tampered, transplanted, ...rest] = emailsOf('acme');
    if (!tampered || !transplanted) throw new Error('setup');
    const tamperedEnvelope = {
      ...tampered.envelope,
      signature: tampered.envelope.signature.map((b) => b ^ 1),
    };
    tampered.envelope = tamperedEnvelope;
    // Fields of another item: the signature over them no longer matches.
    transplanted.fields = rest[0]?.fields ?? {};
    source.malformed.push({ tenant: 'acme', id: 'broken' });

    const report = await runRewrap(ports(), { totalSegments: 2 });
    expect(report).toMatchObject({ scanned: 7, rewrapped: 4, failed: 3, passComplete: true });
    expect(failures.map(({ item, reason }) => `${item.id}:${reason}`).sort()).toEqual(
      [`${tampered.id}:integrity`, `${transplanted.id}:integrity`, 'broken:malformed'].sort(),
    );
    // Ids only: nothing of the item's content reaches the report.
    for (const { item } of failures) expect(Object.keys(item).sort()).toEqual(['id', 'tenant']);
    expect(tampered.envelope).toBe(tamperedEnvelope);
    expect(rest.every((email) => email.envelope.branchVersion === 2)).toBe(true);
  });

  it('counts an item naming a branch key version that does not exist, and carries on', async () => {
    await store('acme', 3);
    await keyring.rotate('acme');
    const [ghost] = emailsOf('acme');
    if (!ghost) throw new Error('setup');
    // Version 0 never exists: as if an item was forged with a version of its own choosing.
    ghost.envelope = { ...ghost.envelope, branchVersion: 0 };
    const report = await runRewrap(ports(), { totalSegments: 1 });
    expect(report).toMatchObject({ rewrapped: 2, failed: 1 });
    expect(failures).toEqual([{ item: { tenant: 'acme', id: ghost.id }, reason: 'unknown_branch_version' }]);
  });

  it('never overwrites a concurrent writer: a lost condition is skipped', async () => {
    await store('acme', 4);
    await keyring.rotate('acme');
    const [raced] = emailsOf('acme');
    if (!raced) throw new Error('setup');
    const theirs = { ...raced.envelope, signature: new Uint8Array(32).fill(9) };
    source.beforeWrite = (ref) => {
      if (ref.id === raced.id) raced.envelope = theirs;
    };
    const report = await runRewrap(ports(), { totalSegments: 1 });
    expect(report).toMatchObject({ scanned: 4, rewrapped: 3, skipped: 1, failed: 0 });
    expect(raced.envelope).toBe(theirs);
  });

  it('re-wraps without touching sealed findings: they still open under the same item key', async () => {
    await store('acme', 1);
    const [email] = emailsOf('acme');
    if (!email) throw new Error('setup');
    const item = await openEmail(email, crypto());
    const findings = [{ rule: 'language.urgency', weight: 0.4, evidence: 'today' }] as never;
    const sealedFindings = item.sealFindings(findings);
    item.close();
    await keyring.rotate('acme');
    await runRewrap(ports(), { totalSegments: 1 });
    expect(email.envelope.branchVersion).toBe(2);
    expect(await openFindings(email, sealedFindings, crypto())).toEqual(findings);
  });

  it('a changed segment count starts a new pass (cursors belong to one segmentation)', async () => {
    await store('acme', 6);
    let pages = 0;
    await runRewrap(ports(), { totalSegments: 2, keepGoing: () => pages++ < 1 });
    expect(checkpoints.pass?.pass).toBe(1);
    const report = await runRewrap(ports(), { totalSegments: 3 });
    expect(report).toMatchObject({ pass: 2, totalSegments: 3, scanned: 6, passComplete: true });
  });
});

describe('scheduled branch-key rotation', () => {
  it(`rotates tenants whose newest key is ${branchKeyRotationPeriodDays} days old before re-wrapping their items`, async () => {
    await store('acme', 4);
    now += 30 * day;
    await store('globex', 2);
    now += (branchKeyRotationPeriodDays - 30) * day;
    const rotated: string[] = [];

    const report = await runRewrap(
      { ...ports(), onRotated: (tenant, from, version) => rotated.push(`${tenant}:${from}->${version}`) },
      { totalSegments: 2 },
    );
    expect(rotated).toEqual(['acme:1->2']);
    expect(report).toMatchObject({ branchKeysRotated: 1, rewrapped: 4, alreadyCurrent: 2, failed: 0 });
    expect(versionsOf('acme')).toEqual([2, 2, 2, 2]);
    expect(versionsOf('globex')).toEqual([1, 1]);
    expect((await repository.latest('acme'))?.createdAt).toBe(new Date(now).toISOString());

    // The same day again: nothing is due, nothing to re-wrap.
    expect(await runRewrap(ports(), { totalSegments: 2 })).toMatchObject({
      branchKeysRotated: 0,
      rewrapped: 0,
    });
  });

  it('finds tenants through their branch keys even when they hold no mail', async () => {
    await keyring.active('quiet');
    now += (branchKeyRotationPeriodDays + 1) * day;
    const report = await runRewrap(ports(), { totalSegments: 1 });
    expect(report).toMatchObject({ scanned: 0, branchKeysRotated: 1 });
    expect((await repository.latest('quiet'))?.version).toBe(2);
  });

  it('rotateIfDue leaves a tenant without keys alone and rejects a non-positive period', async () => {
    const ports = { keyring, branchKeys: repository, clock };
    expect(await rotateIfDue('nobody', ports)).toEqual({ kind: 'no-key' });
    expect(await repository.latest('nobody')).toBeNull();
    await expect(rotateIfDue('nobody', ports, 0)).rejects.toThrow(RangeError);
  });

  it('isRotationDue counts whole periods, and treats an unreadable date as due', () => {
    const at = new Date('2026-11-23T12:00:00Z');
    expect(isRotationDue('2026-08-25T12:00:00.000Z', at, 90)).toBe(true);
    expect(isRotationDue('2026-08-25T12:00:01.000Z', at, 90)).toBe(false);
    expect(isRotationDue('not a date', at, 90)).toBe(true);
  });
});
