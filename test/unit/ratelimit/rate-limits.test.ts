import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterFailure, assertNotBlocked, recordFailure } from '#core/ratelimit/brute-force.ts';
import { consume, type Limit } from '#core/ratelimit/sliding-window.ts';
import { MemoryRateLimits } from '../../support/memory-auth-stores.ts';

const clockAt = (start: number) => {
  const clock = { t: start, now: () => new Date(clock.t) };
  return clock;
};
const login: Limit = { key: 'token#ipuser#203.0.113.9#ana', limit: 5, windowSeconds: 60 };

describe('sliding-window limit', () => {
  it('the 5th request in a minute passes, the 6th gets 429 with Retry-After', async () => {
    const store = new MemoryRateLimits();
    const clock = clockAt(Date.UTC(2026, 10, 23, 10));
    for (let i = 0; i < 5; i++) {
      await consume(login, store, clock);
      clock.t += 1000;
    }
    // First hit at t0, now t0 + 5 s: a slot frees at t0 + 60 s, in 55 s.
    await expect(consume(login, store, clock)).rejects.toMatchObject({
      kind: 'too_many_requests',
      code: 'rate_limited',
      retryAfterSeconds: 55,
    });
  });

  it('is exact at the window edge: a slot frees exactly when the oldest hit is a window old', async () => {
    const store = new MemoryRateLimits();
    const t0 = Date.UTC(2026, 10, 23, 10);
    const clock = clockAt(t0);
    for (let i = 0; i < 5; i++) await consume(login, store, clock);
    clock.t = t0 + 59_999;
    await expect(consume(login, store, clock)).rejects.toMatchObject({ retryAfterSeconds: 1 });
    clock.t = t0 + 60_000;
    await expect(consume(login, store, clock)).resolves.toBeUndefined();
  });

  it('refused requests are not counted, and other keys are independent', async () => {
    const store = new MemoryRateLimits();
    const clock = clockAt(0);
    for (let i = 0; i < 5; i++) await consume(login, store, clock);
    for (let i = 0; i < 10; i++) await expect(consume(login, store, clock)).rejects.toBeTruthy();
    await consume({ ...login, key: 'token#ipuser#198.51.100.7#ana' }, store, clock);
    clock.t = 60_000;
    await consume(login, store, clock);
  });

  it('never admits more than the limit in any window, under any interleaving of concurrent requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.integer({ min: 0, max: 130_000 }), { minLength: 1, maxLength: 25 }),
        async (s, offsets) => {
          const store = new MemoryRateLimits(() => s.schedule(Promise.resolve()));
          const sorted = [...offsets].sort((a, b) => a - b);
          const admitted: number[] = [];
          const clock = clockAt(0);
          // Requests arrive in bursts at the same instant; each burst runs concurrently.
          const bursts = new Map<number, number>();
          for (const t of sorted) bursts.set(t, (bursts.get(t) ?? 0) + 1);
          for (const [t, count] of bursts) {
            clock.t = t;
            const results = await s.waitFor(
              Promise.allSettled(Array.from({ length: count }, () => consume(login, store, clock))),
            );
            for (const result of results) if (result.status === 'fulfilled') admitted.push(t);
          }
          for (const t of admitted) {
            expect(admitted.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(5);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('brute-force IP blocking', () => {
  it('blocks an IP after more than 10 failures in 5 minutes, doubling on each repeat', () => {
    let record = null as ReturnType<typeof afterFailure> | null;
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) record = afterFailure(record ? { ...record, version: 1 } : null, t0 + i);
    expect(record?.blockedUntil).toBeUndefined();
    record = afterFailure({ ...(record as object), hits: record?.hits ?? [], version: 1 }, t0 + 10);
    expect(record.blockedUntil).toBe(t0 + 10 + 60_000);
    // Eleven more failures after the block: twice as long.
    let next = record;
    for (let i = 0; i < 11; i++) next = afterFailure({ ...next, version: 1 }, t0 + 70_000 + i);
    expect(next.level).toBe(2);
    expect((next.blockedUntil as number) - (t0 + 70_010)).toBe(120_000);
  });

  it('10 failures spread over more than 5 minutes never block', () => {
    let record: ReturnType<typeof afterFailure> | null = null;
    for (let i = 0; i < 30; i++) record = afterFailure(record ? { ...record, version: 1 } : null, i * 31_000);
    expect(record?.blockedUntil).toBeUndefined();
  });

  it('the blocked IP is refused with ip_blocked and Retry-After; another IP is not', async () => {
    const store = new MemoryRateLimits();
    const clock = clockAt(5_000_000);
    for (let i = 0; i < 11; i++) await recordFailure('203.0.113.66', store, clock);
    await expect(assertNotBlocked('203.0.113.66', store, clock)).rejects.toMatchObject({
      code: 'ip_blocked',
      retryAfterSeconds: 60,
    });
    await expect(assertNotBlocked('198.51.100.7', store, clock)).resolves.toBeUndefined();
    clock.t += 60_000;
    await expect(assertNotBlocked('203.0.113.66', store, clock)).resolves.toBeUndefined();
  });
});
