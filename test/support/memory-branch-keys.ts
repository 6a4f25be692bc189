import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BranchKeyring,
  type BranchKeyRecord,
  type BranchKeyRepository,
} from '#core/crypto/branch-keyring.ts';
import type { DataKey, DataKeyProvider, KeyContext } from '#core/ports.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';

/** Branch keys in memory, with the repository's conditional-create semantics. */
export class MemoryBranchKeyRepository implements BranchKeyRepository {
  readonly records = new Map<string, BranchKeyRecord>();

  async latest(tenant: string) {
    const versions = [...this.records.values()].filter((record) => record.tenant === tenant);
    return versions.sort((a, b) => b.version - a.version)[0] ?? null;
  }

  async get(tenant: string, version: number) {
    return this.records.get(`${tenant}/${version}`) ?? null;
  }

  async createIfAbsent(record: BranchKeyRecord) {
    const key = `${record.tenant}/${record.version}`;
    if (this.records.has(key)) return false;
    this.records.set(key, record);
    return true;
  }
}

/** Wraps a key provider and counts the calls: stands in for KMS where calls cost. */
export class CountingKms implements DataKeyProvider {
  generated = 0;
  decrypted = 0;
  constructor(private readonly inner: DataKeyProvider) {}

  get calls() {
    return this.generated + this.decrypted;
  }

  generateDataKey(context: KeyContext): Promise<DataKey> {
    this.generated += 1;
    return this.inner.generateDataKey(context);
  }

  decryptDataKey(wrapped: Uint8Array, context: KeyContext): Promise<Uint8Array> {
    this.decrypted += 1;
    return this.inner.decryptDataKey(wrapped, context);
  }
}

/**
 * A keyring over in-memory branch keys and a fresh local master key: for tests about the email
 * flow (the DynamoDB branch-key store has tests of its own).
 */
export const memoryKeyring = (): BranchKeyring =>
  new BranchKeyring({
    repository: new MemoryBranchKeyRepository(),
    kms: LocalDataKeyProvider.fromFile(
      join(mkdtempSync(join(tmpdir(), 'phishx-keys-')), 'master.key'),
      cryptoRandom,
    ),
    clock: systemClock,
  });
