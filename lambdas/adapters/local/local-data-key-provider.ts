/**
 * Stands in for KMS on a developer's machine: a 256-bit master key in a file under `.phishx/`
 * wraps each data key with AES-256-GCM, the key context bound as additional data — so a data
 * key wrapped for one tenant fails to unwrap for another, as with KMS encryption context.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openField, sealField } from '#core/crypto/field-cipher.ts';
import type { DataKey, DataKeyProvider, KeyContext, RandomSource } from '#core/ports.ts';

const masterKeyId = 'local:master-key';

const location = (context: KeyContext) => ({
  tenant: context.tenant,
  record: 'data-key',
  id: context.purpose,
  field: 'key',
});

export class LocalDataKeyProvider implements DataKeyProvider {
  private constructor(
    private readonly masterKey: Uint8Array,
    private readonly random: RandomSource,
  ) {}

  /** Reads the key file, creating it (mode 0600) on first use. */
  static fromFile(path: string, random: RandomSource): LocalDataKeyProvider {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`The local master key at ${path} is not 32 bytes of base64`);
    return new LocalDataKeyProvider(key, random);
  }

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const plaintext = this.random.bytes(32);
    const wrapped = sealField(plaintext, this.masterKey, location(context), this.random);
    return { plaintext, wrapped, masterKeyId };
  }

  async decryptDataKey(wrapped: Uint8Array, context: KeyContext): Promise<Uint8Array> {
    return openField(wrapped, this.masterKey, location(context));
  }
}
