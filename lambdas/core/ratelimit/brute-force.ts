/**
 * Brute-force protection on the token endpoint, per source IP only: more than `maxFailures`
 * failed logins from one IP within `windowSeconds` block that IP, for 1 minute the first time
 * and twice as long each time it happens again within a day (capped at 24 h).
 *
 * Never per account: an attacker anywhere else failing against a victim's username blocks the
 * attacker's IP, never the victim (ASVS V6.1.1 "prevent malicious account lockout"). The
 * per-(IP, username) rate limit is also keyed by IP for the same reason. The IP is API
 * Gateway's `sourceIp` (the TCP peer), never X-Forwarded-For, which a client writes itself.
 */
import type { Clock } from '../ports.ts';
import { type LimitRecord, RateLimitedError, type RateLimitStore } from './sliding-window.ts';

export interface BruteForcePolicy {
  readonly maxFailures: number;
  readonly windowSeconds: number;
  readonly firstBlockSeconds: number;
  readonly maxBlockSeconds: number;
  /** A block this long after the previous one starts again at the first step. */
  readonly resetAfterSeconds: number;
}

export const bruteForcePolicy: BruteForcePolicy = {
  maxFailures: 10,
  windowSeconds: 5 * 60,
  firstBlockSeconds: 60,
  maxBlockSeconds: 24 * 60 * 60,
  resetAfterSeconds: 24 * 60 * 60,
};

const keyFor = (ip: string) => `bf#ip#${ip}`;

export const ipBlocked = (retryAfterSeconds: number) =>
  new RateLimitedError(
    'ip_blocked',
    'Too many failed logins from this address; try again later',
    Math.max(1, retryAfterSeconds),
  );

/** Throws `ip_blocked` (429) while the IP is blocked. */
export const assertNotBlocked = async (ip: string, store: RateLimitStore, clock: Clock): Promise<void> => {
  const record = await store.get(keyFor(ip));
  const now = clock.now().getTime();
  if (record?.blockedUntil !== undefined && record.blockedUntil > now) {
    throw ipBlocked(Math.ceil((record.blockedUntil - now) / 1000));
  }
};

/** The block that the failure just recorded triggers, if any (pure). */
export const afterFailure = (
  record: LimitRecord | null,
  now: number,
  policy: BruteForcePolicy = bruteForcePolicy,
): Omit<LimitRecord, 'version'> => {
  const windowMs = policy.windowSeconds * 1000;
  const hits = [...(record?.hits ?? []).filter((hit) => hit > now - windowMs), now];
  if (hits.length <= policy.maxFailures) return { ...record, hits };
  const recentBlock =
    record?.lastBlockAt !== undefined && now - record.lastBlockAt < policy.resetAfterSeconds * 1000;
  const level = recentBlock ? (record?.level ?? 0) + 1 : 1;
  const seconds = Math.min(policy.firstBlockSeconds * 2 ** (level - 1), policy.maxBlockSeconds);
  // The failures that caused the block are spent: after it, the IP starts from zero.
  return { hits: [], level, lastBlockAt: now, blockedUntil: now + seconds * 1000 };
};

/** Records a failed login from the IP; returns the block end (epoch ms) if this failure blocked it. */
export const recordFailure = async (
  ip: string,
  store: RateLimitStore,
  clock: Clock,
  policy: BruteForcePolicy = bruteForcePolicy,
): Promise<number | undefined> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = clock.now().getTime();
    const record = await store.get(keyFor(ip));
    const next = afterFailure(record, now, policy);
    const expiresAt =
      Math.ceil(Math.max(now + policy.windowSeconds * 1000, next.blockedUntil ?? 0) / 1000) +
      policy.resetAfterSeconds;
    if (await store.put(keyFor(ip), next, record?.version ?? 0, expiresAt)) {
      return next.blockedUntil !== undefined && next.lastBlockAt === now ? next.blockedUntil : undefined;
    }
  }
  return undefined;
};
