/**
 * Exact rate limits: a sliding log. Each limited key keeps the times of its accepted requests
 * in the last window (at most `limit` of them); a request is accepted only if fewer than
 * `limit` remain in the window, and the write that records it is conditional on the version
 * read, so concurrent requests cannot both take the last slot. At most `limit` requests are
 * accepted in ANY window of `windowSeconds` — exact at the boundary, unlike a fixed window
 * (2x at the edge) or WAF's rate rules (approximate, 10/min minimum). Refused requests are not
 * recorded. Retry-After is the moment the oldest recorded hit leaves the window.
 */
import { DomainError } from '../errors.ts';
import type { Clock } from '../ports.ts';

export interface LimitRecord {
  /** Epoch ms of accepted requests (or failures, for brute force) still in the window. */
  readonly hits: readonly number[];
  /** Optimistic concurrency: the store writes only if the version is still the one read. */
  readonly version: number;
  /** Brute-force state (see brute-force.ts). */
  readonly blockedUntil?: number;
  readonly level?: number;
  readonly lastBlockAt?: number;
}

export interface RateLimitStore {
  /** Strongly consistent; null when the key has no record. */
  get(key: string): Promise<LimitRecord | null>;
  /**
   * Writes `record` with version `expectedVersion + 1` if the stored version is still
   * `expectedVersion` (0 = absent); false otherwise. `expiresAt` (epoch s) lets the store drop it.
   */
  put(
    key: string,
    record: Omit<LimitRecord, 'version'>,
    expectedVersion: number,
    expiresAt: number,
  ): Promise<boolean>;
}

export interface Limit {
  /** What is limited, e.g. `token#ip#203.0.113.9`. */
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

export class RateLimitedError extends DomainError {
  override readonly name = 'RateLimitedError';
  constructor(
    code: string,
    message: string,
    /** Whole seconds until a retry can succeed (the Retry-After header). */
    readonly retryAfterSeconds: number,
  ) {
    super('too_many_requests', code, message);
  }
}

export const isRateLimited = (error: unknown): error is RateLimitedError => error instanceof RateLimitedError;

const maxAttempts = 5;

/** Records one request against the limit, or throws `RateLimitedError` (429) without recording it. */
export const consume = async (limit: Limit, store: RateLimitStore, clock: Clock): Promise<void> => {
  const windowMs = limit.windowSeconds * 1000;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const now = clock.now().getTime();
    const record = await store.get(limit.key);
    const recent = (record?.hits ?? []).filter((hit) => hit > now - windowMs);
    if (recent.length >= limit.limit) {
      const oldest = Math.min(...recent);
      throw new RateLimitedError(
        'rate_limited',
        `Too many requests: at most ${limit.limit} per ${limit.windowSeconds} s`,
        Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)),
      );
    }
    const { version: _version, ...rest } = record ?? { version: 0 };
    const stored = await store.put(
      limit.key,
      { ...rest, hits: [...recent, now] },
      record?.version ?? 0,
      Math.ceil((now + windowMs) / 1000) + 60,
    );
    if (stored) return;
    // Someone else recorded a request on this key meanwhile: read again and decide again.
  }
  // Constant contention on one key is itself a flood: refuse rather than admit unrecorded.
  throw new RateLimitedError('rate_limited', 'Too many concurrent requests', 1);
};

/** Consumes every limit in order; the first that is exhausted refuses the request. */
export const consumeAll = async (
  limits: readonly Limit[],
  store: RateLimitStore,
  clock: Clock,
): Promise<void> => {
  for (const limit of limits) await consume(limit, store, clock);
};

/** The same store with every key under a prefix (separate counters for separate instances). */
export const keyPrefixed = (store: RateLimitStore, prefix: string): RateLimitStore => ({
  get: (key) => store.get(`${prefix}#${key}`),
  put: (key, record, expectedVersion, expiresAt) =>
    store.put(`${prefix}#${key}`, record, expectedVersion, expiresAt),
});
