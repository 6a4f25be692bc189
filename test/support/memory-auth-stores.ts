/**
 * In-memory stand-ins for the refresh-family and revocation stores, with the same conditional
 * semantics as the DynamoDB adapters: `rotate` applies only at the expected generation and when
 * not revoked; `revoke` sets revokedAt once. `yieldPoint` runs before each operation's atomic
 * step, so a fast-check scheduler can interleave concurrent calls there.
 */
import type { RefreshFamily, RefreshFamilyStore, FamilyRotation } from '#core/auth/refresh-tokens.ts';
import type { RevocationStatus, RevocationStore, RevokedToken } from '#core/auth/revocation.ts';
import type { LimitRecord, RateLimitStore } from '#core/ratelimit/sliding-window.ts';

type YieldPoint = () => Promise<void>;
const noYield: YieldPoint = async () => undefined;

export class MemoryRefreshFamilies implements RefreshFamilyStore {
  readonly items = new Map<string, RefreshFamily>();
  constructor(private readonly yieldPoint: YieldPoint = noYield) {}

  async create(family: RefreshFamily): Promise<void> {
    await this.yieldPoint();
    if (this.items.has(family.id)) throw new Error('family exists');
    this.items.set(family.id, structuredClone(family));
  }

  async get(id: string): Promise<RefreshFamily | null> {
    await this.yieldPoint();
    const family = this.items.get(id);
    return family ? structuredClone(family) : null;
  }

  async rotate(id: string, expectedGeneration: number, next: FamilyRotation): Promise<boolean> {
    await this.yieldPoint();
    const family = this.items.get(id);
    if (!family || family.generation !== expectedGeneration || family.revokedAt !== undefined) return false;
    this.items.set(id, { ...family, ...structuredClone(next) });
    return true;
  }

  async revoke(id: string, at: number) {
    await this.yieldPoint();
    const family = this.items.get(id);
    if (!family) return null;
    const first = family.revokedAt === undefined;
    const revoked = first ? { ...family, revokedAt: at } : family;
    this.items.set(id, revoked);
    return { family: structuredClone(revoked), first };
  }
}

export class MemoryRevocations implements RevocationStore {
  readonly items = new Map<string, { notBefore?: number; tokens: Record<string, number> }>();
  constructor(private readonly yieldPoint: YieldPoint = noYield) {}

  async status(tenant: string, subject: string): Promise<RevocationStatus> {
    await this.yieldPoint();
    const item = this.items.get(`${tenant}#${subject}`);
    return item ? structuredClone(item) : { tokens: {} };
  }

  async revokeTokens(tenant: string, subject: string, tokens: readonly RevokedToken[]): Promise<void> {
    await this.yieldPoint();
    const key = `${tenant}#${subject}`;
    const item = this.items.get(key) ?? { tokens: {} };
    for (const token of tokens) item.tokens[token.tokenId] = token.expiresAt;
    this.items.set(key, item);
  }

  async revokeSubject(tenant: string, subject: string, notBefore: number): Promise<void> {
    await this.yieldPoint();
    const key = `${tenant}#${subject}`;
    const item = this.items.get(key) ?? { tokens: {} };
    item.notBefore = Math.max(item.notBefore ?? 0, notBefore);
    this.items.set(key, item);
  }

  /** Synchronous view for assertions. */
  isDenied(tenant: string, subject: string, tokenId: string): boolean {
    return Object.hasOwn(this.items.get(`${tenant}#${subject}`)?.tokens ?? {}, tokenId);
  }
}

/** Rate-limit records with the DynamoDB adapter's version condition. */
export class MemoryRateLimits implements RateLimitStore {
  readonly items = new Map<string, LimitRecord>();
  constructor(private readonly yieldPoint: YieldPoint = noYield) {}

  async get(key: string): Promise<LimitRecord | null> {
    await this.yieldPoint();
    const record = this.items.get(key);
    return record ? structuredClone(record) : null;
  }

  async put(key: string, record: Omit<LimitRecord, 'version'>, expectedVersion: number): Promise<boolean> {
    await this.yieldPoint();
    if ((this.items.get(key)?.version ?? 0) !== expectedVersion) return false;
    const { version: _ignored, ...rest } = record as LimitRecord;
    this.items.set(key, { ...structuredClone(rest), version: expectedVersion + 1 });
    return true;
  }
}
