/** The branch-key store on DynamoDB Local, and keyrings in two "instances" sharing it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { openItem, sealItem } from '#core/crypto/item-envelope.ts';
import { DynamoDbBranchKeyRepository } from '#adapters/dynamodb/branch-key-repository.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { freshTable } from '../support/local-table.ts';
import { CountingKms } from '../support/memory-branch-keys.ts';

const master = LocalDataKeyProvider.fromFile(
  join(mkdtempSync(join(tmpdir(), 'phishx-')), 'master.key'),
  cryptoRandom,
);
let repository: DynamoDbBranchKeyRepository;

beforeAll(async () => {
  const { documents, tableName } = await freshTable();
  repository = new DynamoDbBranchKeyRepository(documents, tableName);
});

const record = (tenant: string, version: number) => ({
  tenant,
  version,
  wrapped: Uint8Array.of(version),
  createdAt: '2026-11-23T12:00:00.000Z',
});

describe('DynamoDbBranchKeyRepository', () => {
  it('answers the newest version, across more than nine (the sort key is zero-padded)', async () => {
    expect(await repository.latest('padded')).toBeNull();
    for (const version of [1, 2, 10, 9]) await repository.createIfAbsent(record('padded', version));
    expect(await repository.latest('padded')).toMatchObject({ version: 10 });
    expect(await repository.get('padded', 9)).toEqual(record('padded', 9));
    expect(await repository.latest('other')).toBeNull();
  });

  it('never overwrites a version', async () => {
    expect(await repository.createIfAbsent(record('once', 1))).toBe(true);
    expect(await repository.createIfAbsent({ ...record('once', 1), wrapped: Uint8Array.of(99) })).toBe(false);
    expect((await repository.get('once', 1))?.wrapped).toEqual(Uint8Array.of(1));
  });
});

describe('keyrings sharing the store', () => {
  it('two instances racing to create a tenant’s first key end up with the same key', async () => {
    const keyrings = [0, 1].map(
      () => new BranchKeyring({ repository, kms: new CountingKms(master), clock: systemClock }),
    );
    const where = { tenant: 'race', table: 'emails', pk: 'id-1', sk: 'email' };
    const [a, b] = await Promise.all(
      keyrings.map((keyring) => sealItem({ x: Uint8Array.of(1) }, where, { keyring, random: cryptoRandom })),
    );
    // Each instance opens what the other sealed: one branch key won.
    const [first, second] = keyrings as [BranchKeyring, BranchKeyring];
    await expect(
      openItem(a as never, where, { keyring: second, random: cryptoRandom }),
    ).resolves.toBeTruthy();
    await expect(openItem(b as never, where, { keyring: first, random: cryptoRandom })).resolves.toBeTruthy();
    expect((await repository.latest('race'))?.version).toBe(1);
  });
});
