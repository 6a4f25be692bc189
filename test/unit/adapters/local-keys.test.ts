import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { LocalSigningKeys } from '#adapters/local/local-signing-keys.ts';
import { cryptoRandom } from '#adapters/system.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'phishx-keys-'));

describe('LocalDataKeyProvider', () => {
  it('creates a private 256-bit key file once and unwraps only for the same context', async () => {
    const file = join(dir(), 'master.key');
    const provider = LocalDataKeyProvider.fromFile(file, cryptoRandom);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toHaveLength(32);

    const key = await provider.generateDataKey({ tenant: 'acme', purpose: 'email' });
    expect(key.plaintext).toHaveLength(32);
    const reopened = LocalDataKeyProvider.fromFile(file, cryptoRandom);
    const unwrapped = await reopened.decryptDataKey(key.wrapped, { tenant: 'acme', purpose: 'email' });
    expect(Buffer.from(unwrapped).equals(Buffer.from(key.plaintext))).toBe(true);
    await expect(
      reopened.decryptDataKey(key.wrapped, { tenant: 'other', purpose: 'email' }),
    ).rejects.toThrow();
  });
});

describe('LocalSigningKeys', () => {
  it('generates an Ed25519 key set on first use and keeps it across restarts', async () => {
    const file = join(dir(), 'signing-keys.json');
    const first = await (await LocalSigningKeys.fromFile(file)).current();
    const again = await (await LocalSigningKeys.fromFile(file)).current();
    expect(again).toEqual(first);
    expect(first).toMatchObject({ alg: 'EdDSA', publicJwk: { kty: 'OKP', crv: 'Ed25519' } });
    expect(first.publicJwk).not.toHaveProperty('d');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
