import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import {
  ItemIntegrityError,
  openItem,
  rewrapItem,
  sealItem,
  type SealedItem,
} from '#core/crypto/item-envelope.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom } from '#adapters/system.ts';
import { CountingKms, MemoryBranchKeyRepository } from '../../support/memory-branch-keys.ts';

const master = LocalDataKeyProvider.fromFile(
  join(mkdtempSync(join(tmpdir(), 'phishx-')), 'master.key'),
  cryptoRandom,
);
const here = { tenant: 'acme', table: 'phishx-dev-main', pk: 'TENANT#acme#EMAIL#1', sk: 'EMAIL' };
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const bytes = (value: string) => Buffer.from(value, 'utf8');

let now = 0;
let kms: CountingKms;
let repository: MemoryBranchKeyRepository;
let keyring: BranchKeyring;
const ports = () => ({ keyring, random: cryptoRandom });

beforeEach(() => {
  now = Date.parse('2026-11-23T12:00:00Z');
  kms = new CountingKms(master);
  repository = new MemoryBranchKeyRepository();
  keyring = new BranchKeyring(
    { repository, kms, clock: { now: () => new Date(now) } },
    { cacheMilliseconds: 60_000, maxUses: 1_000 },
  );
});

const seal = () => sealItem({ subject: bytes('Invoice'), sender: bytes('ana@example.com') }, here, ports());
const expectIntegrityFailure = (promise: Promise<unknown>) => expect(promise).rejects.toThrow();

describe('item envelope', () => {
  it('round-trips every field, with no plaintext in the sealed item', async () => {
    const sealed = await seal();
    const raw = Buffer.concat(Object.values(sealed.fields).map((field) => Buffer.from(field)));
    expect(raw.includes(bytes('ana@example.com'))).toBe(false);
    const opened = await openItem(sealed, here, ports());
    expect(text(opened.fields.subject)).toBe('Invoice');
    expect(text(opened.fields.sender)).toBe('ana@example.com');
    expect(sealed).toMatchObject({ format: 2, branchVersion: 1 });
  });

  it('fails on a field swapped between attributes', async () => {
    const sealed = await seal();
    const swapped: SealedItem = {
      ...sealed,
      fields: { subject: sealed.fields.sender as Uint8Array, sender: sealed.fields.subject as Uint8Array },
    };
    await expect(openItem(swapped, here, ports())).rejects.toBeInstanceOf(ItemIntegrityError);
  });

  it('fails on an item transplanted to another key, table or tenant', async () => {
    const sealed = await seal();
    for (const elsewhere of [
      { ...here, pk: 'TENANT#acme#EMAIL#2' },
      { ...here, sk: 'OTHER' },
      { ...here, table: 'phishx-prod-main' },
      { ...here, tenant: 'globex' },
    ]) {
      await expectIntegrityFailure(openItem(sealed, elsewhere, ports()));
    }
  });

  it('fails on a field replayed from an earlier version of the same item', async () => {
    const earlier = await seal();
    const current = await sealItem(
      { subject: bytes('Updated'), sender: bytes('ana@example.com') },
      here,
      ports(),
    );
    const replayed = {
      ...current,
      fields: { ...current.fields, subject: earlier.fields.subject as Uint8Array },
    };
    await expect(openItem(replayed, here, ports())).rejects.toBeInstanceOf(ItemIntegrityError);
    // The whole earlier item, envelope included, is still itself: only mixing is refused.
    await expect(openItem(earlier, here, ports())).resolves.toBeTruthy();
  });

  it('fails on a removed or added field, a tampered byte, and a downgraded format', async () => {
    const sealed = await seal();
    const { sender: _removed, ...withoutSender } = sealed.fields;
    await expect(openItem({ ...sealed, fields: withoutSender }, here, ports())).rejects.toBeInstanceOf(
      ItemIntegrityError,
    );
    const extra = { ...sealed, fields: { ...sealed.fields, body: sealed.fields.subject as Uint8Array } };
    await expect(openItem(extra, here, ports())).rejects.toBeInstanceOf(ItemIntegrityError);
    const flipped = Uint8Array.from(sealed.fields.subject as Uint8Array);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    await expect(
      openItem({ ...sealed, fields: { ...sealed.fields, subject: flipped } }, here, ports()),
    ).rejects.toBeInstanceOf(ItemIntegrityError);
    await expect(openItem({ ...sealed, format: 1 }, here, ports())).rejects.toBeInstanceOf(
      ItemIntegrityError,
    );
  });

  it('adds a field later and re-signs the item', async () => {
    const sealed = await seal();
    const opened = await openItem(sealed, here, ports());
    const fields = { ...sealed.fields, findings: opened.seal('findings', bytes('[]')) };
    const updated = { ...sealed, fields, signature: opened.sign(fields) };
    opened.close();
    expect(text((await openItem(updated, here, ports())).fields.findings)).toBe('[]');
  });

  it('makes at most one KMS call per tenant per cache period, however many items', async () => {
    for (let n = 0; n < 50; n += 1) await openItem(await seal(), here, ports());
    expect(kms.calls).toBe(1); // version 1 was generated; its plaintext served every item
    now += 61_000;
    for (let n = 0; n < 50; n += 1) await openItem(await seal(), here, ports());
    expect(kms.calls).toBe(2); // one Decrypt after the cache period
    await sealItem({ x: bytes('1') }, { ...here, tenant: 'globex' }, ports());
    expect(kms.calls).toBe(3); // another tenant has its own branch key
  });

  it('bounds the uses of an unwrapped branch key', async () => {
    const small = new BranchKeyring(
      { repository, kms, clock: { now: () => new Date(now) } },
      {
        cacheMilliseconds: 60_000,
        maxUses: 10,
      },
    );
    for (let n = 0; n < 25; n += 1)
      await sealItem({ x: bytes(String(n)) }, here, { keyring: small, random: cryptoRandom });
    expect(kms.decrypted).toBe(2);
  });

  it('rotates: new items use the new version, old items stay readable and re-wrap without decryption', async () => {
    const old = await seal();
    expect(await keyring.rotate('acme')).toBe(2);
    const fresh = await seal();
    expect(fresh.branchVersion).toBe(2);

    const rewrapped = await rewrapItem(old, here, ports());
    expect(rewrapped.branchVersion).toBe(2);
    expect(rewrapped.fields).toBe(old.fields); // the field ciphertexts are untouched
    expect(text((await openItem(rewrapped, here, ports())).fields.subject)).toBe('Invoice');
    expect(text((await openItem(old, here, ports())).fields.subject)).toBe('Invoice');
    await expect(rewrapItem(rewrapped, here, ports())).resolves.toBe(rewrapped); // idempotent
  });
});
