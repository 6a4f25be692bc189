/**
 * Hierarchical keys, per tenant: a branch key (AES-256) wraps the data key of every item of its
 * tenant, and KMS wraps the branch key. Unwrapping a branch key is one KMS call; the keyring
 * then keeps it in memory for a bounded time and a bounded number of uses, so a busy function
 * makes at most one KMS call per tenant per cache period instead of one per item.
 *
 * Versions: `rotate` adds a new version, which becomes the one new items use; older versions
 * stay readable (decrypt-only) until every item has been re-wrapped to the newest.
 */
import type { Clock, DataKeyProvider } from '../ports.ts';
import { deriveBeaconKey } from './beacons.ts';

export interface BranchKeyRecord {
  readonly tenant: string;
  readonly version: number;
  /** The branch key wrapped by the KMS key (the DataKeyProvider's master key). */
  readonly wrapped: Uint8Array;
  readonly createdAt: string;
}

/** Where branch keys live (DynamoDB in AWS and locally). Versions only ever grow. */
export interface BranchKeyRepository {
  latest(tenant: string): Promise<BranchKeyRecord | null>;
  get(tenant: string, version: number): Promise<BranchKeyRecord | null>;
  /** False when that version already exists (another writer won). */
  createIfAbsent(record: BranchKeyRecord): Promise<boolean>;
}

export interface BranchKey {
  readonly tenant: string;
  readonly version: number;
  readonly key: Uint8Array;
}

export interface KeyringOptions {
  /** How long an unwrapped branch key may be used. */
  readonly cacheMilliseconds: number;
  /** How many items one unwrapped branch key may serve before it is unwrapped again. */
  readonly maxUses: number;
}

/**
 * What the crypto reports as it works, for the EncryptionOps, KmsCalls and DecryptFailures
 * metrics. The keyring carries it because everything that seals or opens an item holds one.
 */
export interface CryptoObserver {
  /** Fields sealed or opened (data keys wrapped and unwrapped count as one field each). */
  fieldOperations(count: number): void;
  /** A call to KMS (generate or decrypt a branch key). */
  kmsCall(): void;
  /** An item that failed to open: tampered, misplaced, or under a key this tenant lacks. */
  decryptFailure(): void;
}

const unobserved: CryptoObserver = {
  fieldOperations: () => undefined,
  kmsCall: () => undefined,
  decryptFailure: () => undefined,
};

export const defaultKeyringOptions: KeyringOptions = { cacheMilliseconds: 5 * 60_000, maxUses: 100_000 };

const kmsContext = (tenant: string, version: number) => ({ tenant, purpose: `branch-key/v${version}` });

interface CacheEntry {
  readonly key: Promise<BranchKey>;
  readonly loadedAt: number;
  uses: number;
}

export class BranchKeyring {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly activeVersions = new Map<string, { version: number; loadedAt: number }>();

  constructor(
    private readonly ports: {
      readonly repository: BranchKeyRepository;
      readonly kms: DataKeyProvider;
      readonly clock: Clock;
      readonly observer?: CryptoObserver;
    },
    private readonly options: KeyringOptions = defaultKeyringOptions,
  ) {
    this.observer = ports.observer ?? unobserved;
  }

  readonly observer: CryptoObserver;

  /** The newest branch key of a tenant, creating version 1 on first use. */
  async active(tenant: string): Promise<BranchKey> {
    const now = this.ports.clock.now().getTime();
    const known = this.activeVersions.get(tenant);
    if (known && now - known.loadedAt < this.options.cacheMilliseconds)
      return this.version(tenant, known.version);

    const latest = (await this.ports.repository.latest(tenant)) ?? (await this.create(tenant, 1));
    this.activeVersions.set(tenant, { version: latest.version, loadedAt: now });
    return this.version(tenant, latest.version, latest);
  }

  /** A given version of a tenant's branch key, for reading items wrapped under it. */
  async version(tenant: string, version: number, record?: BranchKeyRecord): Promise<BranchKey> {
    const cacheKey = `${tenant}\0${version}`;
    const now = this.ports.clock.now().getTime();
    const cached = this.cache.get(cacheKey);
    if (
      cached &&
      now - cached.loadedAt < this.options.cacheMilliseconds &&
      cached.uses < this.options.maxUses
    ) {
      cached.uses += 1;
      return cached.key;
    }
    const key = this.unwrap(tenant, version, record);
    this.cache.set(cacheKey, { key, loadedAt: now, uses: 1 });
    // A failed unwrap must not poison the cache.
    key.catch(() => this.cache.delete(cacheKey));
    return key;
  }

  /**
   * The tenant's beacon key, derived from its first branch key so it never changes with
   * rotation (beacons written years apart must still match). Null before the tenant's first
   * branch key exists, when there is nothing to find.
   */
  async beaconKey(tenant: string): Promise<Uint8Array | null> {
    const known = this.cache.has(`${tenant}\0${1}`) || (await this.ports.repository.get(tenant, 1)) !== null;
    if (!known) return null;
    return deriveBeaconKey((await this.version(tenant, 1)).key);
  }

  /** Adds the next version; new items use it from the next cache refresh on. */
  async rotate(tenant: string): Promise<number> {
    const latest = await this.ports.repository.latest(tenant);
    const created = await this.create(tenant, (latest?.version ?? 0) + 1);
    this.activeVersions.delete(tenant);
    return created.version;
  }

  /** Forgets every unwrapped key (tests, and crypto-shredding a tenant). */
  clear(): void {
    for (const entry of this.cache.values())
      void entry.key.then(
        (branch) => branch.key.fill(0),
        () => undefined,
      );
    this.cache.clear();
    this.activeVersions.clear();
  }

  private async unwrap(tenant: string, version: number, known?: BranchKeyRecord): Promise<BranchKey> {
    const record = known ?? (await this.ports.repository.get(tenant, version));
    if (!record) throw new Error(`Branch key version ${version} does not exist for this tenant`);
    this.observer.kmsCall();
    const key = await this.ports.kms.decryptDataKey(record.wrapped, kmsContext(tenant, version));
    return { tenant, version, key };
  }

  private async create(tenant: string, version: number): Promise<BranchKeyRecord> {
    this.observer.kmsCall();
    const generated = await this.ports.kms.generateDataKey(kmsContext(tenant, version));
    const now = this.ports.clock.now();
    const record = { tenant, version, wrapped: generated.wrapped, createdAt: now.toISOString() };
    if (await this.ports.repository.createIfAbsent(record)) {
      // The new key is already in hand: cache it rather than ask KMS to unwrap it again.
      this.cache.set(`${tenant}\0${version}`, {
        key: Promise.resolve({ tenant, version, key: generated.plaintext }),
        loadedAt: now.getTime(),
        uses: 0,
      });
      return record;
    }
    generated.plaintext.fill(0);
    // Another writer created this version first: theirs is the key.
    const winner = await this.ports.repository.get(tenant, version);
    if (!winner) throw new Error('Branch key creation lost a race to a key that does not exist');
    return winner;
  }
}
