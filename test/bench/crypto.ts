/**
 * `npm run bench:crypto`: warm per-field cost of the item encryption, measured, not asserted.
 * Prints p50/p99 to seal and to open one 1 KB field, ops/s, whole-item figures for a typical
 * stored email (five fields), the ciphertext overhead per field, and KMS calls per 10,000 items.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { openField, sealField } from '#core/crypto/field-cipher.ts';
import { openItem, sealItem } from '#core/crypto/item-envelope.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { CountingKms, MemoryBranchKeyRepository } from '../support/memory-branch-keys.ts';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const warmup = 2_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const micro = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

const measure = async (name: string, run: () => unknown | Promise<unknown>, count = iterations) => {
  for (let i = 0; i < warmup; i += 1) await run();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(34)} p50 ${micro(percentile(samples, 0.5)).padStart(9)}   p99 ${micro(percentile(samples, 0.99)).padStart(9)}   ${Math.round((count / elapsed) * 1000).toLocaleString('en')} ops/s`,
  );
};

const kms = new CountingKms(
  LocalDataKeyProvider.fromFile(
    join(mkdtempSync(join(tmpdir(), 'phishx-bench-')), 'master.key'),
    cryptoRandom,
  ),
);
const keyring = new BranchKeyring({ repository: new MemoryBranchKeyRepository(), kms, clock: systemClock });
const ports = { keyring, random: cryptoRandom };
const field = cryptoRandom.bytes(1024);
const key = cryptoRandom.bytes(32);
const where = { tenant: 'bench', record: 'emails', id: 'x', field: 'body' };
const sealed = sealField(field, key, where, cryptoRandom);
const item = {
  sender: field.subarray(0, 64),
  recipients: field.subarray(0, 128),
  subject: field.subarray(0, 80),
  headers: field,
  body: field,
};
const location = { tenant: 'bench', table: 'emails', pk: 'id', sk: 'email' };

console.log(
  `PhishX crypto benchmark — Node ${process.version}, ${iterations.toLocaleString('en')} iterations after ${warmup} warm-up\n`,
);
await measure('seal one 1 KB field (AES-256-GCM)', () => sealField(field, key, where, cryptoRandom));
await measure('open one 1 KB field', () => openField(sealed, key, where));
const sealedItem = await sealItem(item, location, ports);
await measure('seal a 5-field email item (signed)', () => sealItem(item, location, ports));
await measure('open a 5-field email item (verified)', async () =>
  (await openItem(sealedItem, location, ports)).close(),
);

const before = kms.calls;
for (let i = 0; i < 10_000; i += 1) await sealItem(item, { ...location, pk: `id-${i}` }, ports);
console.log(
  `\nciphertext overhead per field: ${sealed.byteLength - field.byteLength} bytes (version 1 + IV 12 + tag 16)`,
);
console.log(
  `item envelope: wrapped data key ${sealedItem.wrappedKey.byteLength} bytes + signature ${sealedItem.signature.byteLength} bytes`,
);
console.log(`KMS calls for 10,000 more items of one tenant (warm keyring): ${kms.calls - before}`);
console.log('target (issue 5): warm p99 ≤ 50 µs per field to seal and to open a 1 KB field');
