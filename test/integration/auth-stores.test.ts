/**
 * The identity adapters against DynamoDB Local: the conditions the property test
 * (test/unit/auth/refresh-rotation.property.test.ts) assumes hold in the real engine.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '#adapters/dynamodb/document-client.ts';
import { DynamoDbRefreshFamilies } from '#adapters/dynamodb/refresh-families.ts';
import { DynamoDbRevocations } from '#adapters/dynamodb/revocations.ts';
import { cryptoRandom } from '#adapters/system.ts';
import { isRevoked } from '#core/auth/revocation.ts';
import {
  type RefreshPorts,
  refreshAccessToken,
  startRefreshFamily,
  type RefreshFamily,
} from '#core/auth/refresh-tokens.ts';
import { freshTable } from '../support/local-table.ts';

let families: DynamoDbRefreshFamilies;
let revocations: DynamoDbRevocations;
// The real time: DynamoDB Local, like DynamoDB, deletes items whose TTL (`expiresAt`) has passed.
const now = new Date();
const clock = { now: () => now };
const nowSeconds = Math.floor(now.getTime() / 1000);

beforeAll(async () => {
  const { tableName } = await freshTable();
  const documents = createDocumentClient({
    endpoint: inject('ddbEndpoint'),
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  families = new DynamoDbRefreshFamilies(documents, tableName);
  revocations = new DynamoDbRevocations(documents, tableName);
});

const family = (id: string): RefreshFamily => ({
  id,
  tenant: 'acme',
  subject: 'ana',
  role: 'admin',
  generation: 0,
  currentHash: 'h0',
  rotatedAt: now.getTime(),
  createdAt: now.getTime(),
  expiresAt: nowSeconds + 3600,
  liveTokens: { j0: nowSeconds + 900 },
});

const rotation = (generation: number, hash: string) => ({
  generation,
  currentHash: hash,
  previousHash: `h${generation - 1}`,
  rotatedAt: now.getTime(),
  liveTokens: { [`j${generation}`]: nowSeconds + 900 },
});

describe('DynamoDbRefreshFamilies', () => {
  it('creates once and reads back what it stored', async () => {
    await families.create(family('f1'));
    expect(await families.get('f1')).toEqual(family('f1'));
    await expect(families.create(family('f1'))).rejects.toThrow();
    expect(await families.get('nope')).toBeNull();
  });

  it('rotates only from the generation read: the second of two rotations from generation 0 fails', async () => {
    await families.create(family('f2'));
    const [a, b] = await Promise.all([
      families.rotate('f2', 0, rotation(1, 'a1')),
      families.rotate('f2', 0, rotation(1, 'b1')),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const stored = await families.get('f2');
    expect(stored?.generation).toBe(1);
    expect(stored?.currentHash).toBe(a ? 'a1' : 'b1');
    expect(await families.rotate('f2', 0, rotation(1, 'late'))).toBe(false);
    expect(await families.rotate('f2', 1, rotation(2, 'c2'))).toBe(true);
  });

  it('refuses to rotate a revoked family; revoke reports the first revocation only', async () => {
    await families.create(family('f3'));
    const first = await families.revoke('f3', now.getTime());
    expect(first).toMatchObject({
      first: true,
      family: { revokedAt: now.getTime(), liveTokens: { j0: nowSeconds + 900 } },
    });
    const second = await families.revoke('f3', now.getTime() + 5);
    expect(second).toMatchObject({ first: false, family: { revokedAt: now.getTime() } });
    expect(await families.rotate('f3', 0, rotation(1, 'x'))).toBe(false);
    expect(await families.revoke('missing', 1)).toBeNull();
  });
});

describe('DynamoDbRevocations', () => {
  it('lists revoked token ids with their expiry and keeps the newest watermark', async () => {
    expect(await revocations.status('acme', 'bob')).toEqual({ tokens: {} });
    await revocations.revokeTokens('acme', 'bob', [{ tokenId: 'a-b_c', expiresAt: 10 }], now);
    await revocations.revokeTokens(
      'acme',
      'bob',
      Array.from({ length: 120 }, (_, i) => ({ tokenId: `t${i}`, expiresAt: i })),
      now,
    );
    const status = await revocations.status('acme', 'bob');
    expect(status.tokens['a-b_c']).toBe(10);
    expect(Object.keys(status.tokens)).toHaveLength(121);
    await revocations.revokeSubject('acme', 'bob', 500, now);
    await revocations.revokeSubject('acme', 'bob', 400, now);
    expect((await revocations.status('acme', 'bob')).notBefore).toBe(500);
    // Another tenant's subject of the same name is a different record.
    expect(await revocations.status('other', 'bob')).toEqual({ tokens: {} });
    expect(isRevoked({ tokenId: 'zzz', issuedAt: 499 }, await revocations.status('acme', 'bob'))).toBe(true);
  });
});

describe('rotation on the real adapters', () => {
  it('replaying a rotated refresh token revokes the family and deny-lists its live access tokens', async () => {
    let n = 0;
    const ports: RefreshPorts = {
      families,
      revocations,
      clock,
      random: cryptoRandom,
      issue: async () => {
        n += 1;
        return { token: `t${n}`, tokenId: `live${n}`, expiresAt: nowSeconds + 900, expiresIn: 900 };
      },
    };
    const subject = { subject: 'carol', tenant: 'acme', role: 'readonly' as const };
    const start = await startRefreshFamily(subject, { tokenId: 'live0', expiresAt: nowSeconds + 900 }, ports);
    const next = await refreshAccessToken(start.refreshToken, ports);
    // Concurrent replays of the old token: all refused.
    const replays = await Promise.allSettled(
      [1, 2, 3].map(() => refreshAccessToken(start.refreshToken, ports)),
    );
    expect(replays.every((r) => r.status === 'rejected')).toBe(true);
    await expect(refreshAccessToken(next.refreshToken, ports)).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    const status = await revocations.status('acme', 'carol');
    expect(Object.keys(status.tokens).sort()).toEqual(['live0', 'live1']);
  });
});
