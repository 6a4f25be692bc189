/**
 * The crypto metrics: the keyring's observer sees every field operation, every KMS call and
 * every item that fails to open, and the function middleware publishes them summed, once per
 * invocation, as EncryptionOps, KmsCalls and DecryptFailures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { BranchKeyring, type CryptoObserver } from '#core/crypto/branch-keyring.ts';
import { ItemIntegrityError, openItem, rewrapItem, sealItem } from '#core/crypto/item-envelope.ts';
import { observedHandler } from '#shared/middleware.ts';
import { cryptoMetrics, metrics } from '#shared/observability.ts';
import { CountingKms, MemoryBranchKeyRepository } from '../../support/memory-branch-keys.ts';

const master = LocalDataKeyProvider.fromFile(
  join(mkdtempSync(join(tmpdir(), 'phishx-')), 'master.key'),
  cryptoRandom,
);
const here = { tenant: 'acme', table: 'emails', pk: 'e1', sk: 'email' };
const fields = {
  sender: Buffer.from('ana@example.com'),
  subject: Buffer.from('Invoice'),
  body: Buffer.from('…'),
};

const counting = () => {
  const counts = { fieldOperations: 0, kmsCalls: 0, decryptFailures: 0 };
  const observer: CryptoObserver = {
    fieldOperations: (count) => void (counts.fieldOperations += count),
    kmsCall: () => void (counts.kmsCalls += 1),
    decryptFailure: () => void (counts.decryptFailures += 1),
  };
  const kms = new CountingKms(master);
  const keyring = new BranchKeyring({
    repository: new MemoryBranchKeyRepository(),
    kms,
    clock: systemClock,
    observer,
  });
  return { counts, kms, ports: { keyring, random: cryptoRandom } };
};

afterEach(() => vi.restoreAllMocks());

describe('crypto metrics', () => {
  it('counts each sealed and opened field and the data key, and each KMS call as KMS sees it', async () => {
    const { counts, kms, ports } = counting();
    const sealed = await sealItem(fields, here, ports);
    expect(counts.fieldOperations).toBe(4); // three fields and the wrapped data key
    const opened = await openItem(sealed, here, ports);
    opened.seal('findings', Buffer.from('[]'));
    opened.close();
    expect(counts.fieldOperations).toBe(9);
    for (let i = 0; i < 20; i += 1) (await openItem(sealed, here, ports)).close();
    expect(counts.kmsCalls).toBe(kms.calls);
    expect(counts.kmsCalls).toBe(1); // one branch key, created once, cached after
  });

  it('counts an item that fails to open, whether read or re-wrapped', async () => {
    const { counts, ports } = counting();
    const sealed = await sealItem(fields, here, ports);
    const moved = { ...here, pk: 'e2' };
    await expect(openItem(sealed, moved, ports)).rejects.toBeInstanceOf(ItemIntegrityError);
    expect(counts.decryptFailures).toBe(1);
    await ports.keyring.rotate('acme');
    await expect(rewrapItem(sealed, moved, ports)).rejects.toBeInstanceOf(ItemIntegrityError);
    expect(counts.decryptFailures).toBe(2);
  });

  it('publishes the sums once per invocation, and nothing when no crypto ran', async () => {
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = observedHandler<{ work: boolean }, string>().handler(async ({ work }) => {
      if (work) {
        cryptoMetrics.fieldOperations(4);
        cryptoMetrics.fieldOperations(5);
        cryptoMetrics.kmsCall();
        cryptoMetrics.decryptFailure();
      }
      return 'done';
    });
    const context = { functionName: 'f', awsRequestId: 'r' } as Context;
    await handler({ work: true }, context);
    expect(added.mock.calls.map(([name, , value]) => [name, value])).toEqual([
      ['EncryptionOps', 9],
      ['KmsCalls', 1],
      ['DecryptFailures', 1],
    ]);
    added.mockClear();
    await handler({ work: false }, context);
    expect(added.mock.calls.filter(([name]) => name !== 'ColdStart')).toEqual([]);
  });
});
