/**
 * Property: under any interleaving of concurrent refreshes and replays, rotation accepts no
 * replay. fast-check's scheduler reorders every store operation (read, conditional rotate,
 * revoke, deny-list write) of concurrent requests; the in-memory stores have the DynamoDB
 * adapters' conditional semantics (test/integration/auth-stores.test.ts checks the real ones).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '#adapters/system.ts';
import {
  parseRefreshToken,
  type RefreshPorts,
  refreshAccessToken,
  startRefreshFamily,
} from '#core/auth/refresh-tokens.ts';
import { isDomainError } from '#core/errors.ts';
import { MemoryRefreshFamilies, MemoryRevocations } from '../../support/memory-auth-stores.ts';

const subject = { subject: 'ana', tenant: 'acme', role: 'soc_analyst' as const };

interface Round {
  /** Which known tokens the concurrent requests of this round present (index into all seen). */
  readonly picks: readonly number[];
  /** Seconds the clock moves before the round. */
  readonly advance: number;
}

const rounds = fc.array(
  fc.record({
    picks: fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 4 }),
    advance: fc.integer({ min: 0, max: 90 }),
  }),
  { minLength: 1, maxLength: 4 },
);

const run = async (s: fc.Scheduler, plan: readonly Round[], graceSeconds: number) => {
  let nowMs = Date.UTC(2026, 10, 23, 10);
  const clock = { now: () => new Date(nowMs) };
  const yieldPoint = () => s.schedule(Promise.resolve());
  const families = new MemoryRefreshFamilies(yieldPoint);
  const revocations = new MemoryRevocations(yieldPoint);
  let counter = 0;
  const issued: { tokenId: string; expiresAt: number }[] = [];
  const ports: RefreshPorts = {
    families,
    revocations,
    clock,
    random: cryptoRandom,
    graceSeconds,
    issue: async () => {
      counter += 1;
      const access = {
        token: `at-${counter}`,
        tokenId: `jti-${counter}`,
        expiresAt: Math.floor(nowMs / 1000) + 900,
        expiresIn: 900,
      };
      issued.push(access);
      return access;
    },
  };

  const login = { tokenId: 'jti-0', expiresAt: Math.floor(nowMs / 1000) + 900 };
  issued.push(login);
  const start = s.waitFor(startRefreshFamily(subject, login, ports));
  const { refreshToken, family } = await start;

  const known: string[] = [refreshToken];
  /** For each presented token: when accepted, and the generation it was current at. */
  const accepted = new Map<string, number[]>();
  const returnedGenerations: number[] = [];
  const deliveredTokens: string[] = [];
  let reuseSeen = false;

  for (const round of plan) {
    nowMs += round.advance * 1000;
    const presented = round.picks.map((pick) => known[pick % known.length] as string);
    const results = await s.waitFor(
      Promise.allSettled(presented.map((token) => refreshAccessToken(token, ports))),
    );
    results.forEach((result, i) => {
      const token = presented[i] as string;
      if (result.status === 'fulfilled') {
        accepted.set(token, [...(accepted.get(token) ?? []), nowMs]);
        returnedGenerations.push(parseRefreshToken(result.value.refreshToken)?.generation ?? -1);
        known.push(result.value.refreshToken);
        deliveredTokens.push(result.value.access.tokenId);
      } else {
        const error: unknown = result.reason;
        if (!isDomainError(error) || error.code !== 'invalid_grant') throw error;
        if (/already used/.test(error.message)) reuseSeen = true;
      }
    });
  }
  return {
    families,
    revocations,
    family,
    accepted,
    returnedGenerations,
    deliveredTokens,
    reuseSeen,
    issued,
    known,
  };
};

describe('refresh-token rotation under concurrency (fast-check scheduler)', () => {
  it('accepts zero replays in 10,000 interleavings (no grace)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), rounds, async (s, plan) => {
        const outcome = await run(s, plan, 0);
        // Each refresh token is accepted at most once: a replay never succeeds.
        for (const times of outcome.accepted.values()) expect(times.length).toBe(1);
        // The family never forks: every success moved it to a new generation.
        expect(new Set(outcome.returnedGenerations).size).toBe(outcome.returnedGenerations.length);
        const final = outcome.families.items.get(outcome.family.id);
        if (outcome.reuseSeen) {
          // Reuse revoked the family and deny-listed every access token it handed out.
          expect(final?.revokedAt).toBeDefined();
          for (const tokenId of ['jti-0', ...outcome.deliveredTokens]) {
            expect(outcome.revocations.isDenied('acme', 'ana', tokenId)).toBe(true);
          }
        }
        // Once revoked, no refresh token of the family works any more.
        if (final?.revokedAt !== undefined) {
          for (const token of outcome.known) {
            await expect(
              s.waitFor(
                refreshAccessToken(token, {
                  families: outcome.families,
                  revocations: outcome.revocations,
                  clock: { now: () => new Date(final.rotatedAt) },
                  random: cryptoRandom,
                  issue: async () => ({ token: 'x', tokenId: 'x', expiresAt: 0, expiresIn: 0 }),
                }),
              ),
            ).rejects.toMatchObject({ code: 'invalid_grant' });
          }
        }
      }),
      { numRuns: 10_000 },
    );
  }, 120_000);

  it('with a grace period, only the immediately previous token is accepted again, once, inside it', async () => {
    const graceSeconds = 30;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), rounds, async (s, plan) => {
        const outcome = await run(s, plan, graceSeconds);
        expect(new Set(outcome.returnedGenerations).size).toBe(outcome.returnedGenerations.length);
        for (const [token, times] of outcome.accepted) {
          expect(times.length).toBeLessThanOrEqual(2);
          if (times.length === 2) {
            const [first, second] = times as [number, number];
            // The second acceptance came within the grace window after a rotation that made it previous.
            expect(second - first).toBeLessThanOrEqual(graceSeconds * 1000);
            expect(parseRefreshToken(token)).not.toBeNull();
          }
        }
      }),
      { numRuns: 2_000 },
    );
  }, 120_000);
});
