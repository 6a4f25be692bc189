/** Stands in for Secrets Manager locally: the signing key set in a file under `.phishx/`, made on first use. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SigningKey, SigningKeyStore } from '#core/ports.ts';
import { newSigningKeySet, parseSigningKeySet } from '../secrets/signing-key-set.ts';

export class LocalSigningKeys implements SigningKeyStore {
  private constructor(private readonly keys: readonly SigningKey[]) {}

  static async fromFile(path: string): Promise<LocalSigningKeys> {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(await newSigningKeySet(new Date())), { mode: 0o600, flag: 'wx' });
    }
    return new LocalSigningKeys(parseSigningKeySet(readFileSync(path, 'utf8')));
  }

  async current(): Promise<SigningKey> {
    return this.keys[0] as SigningKey;
  }

  async verificationKeys(): Promise<readonly SigningKey[]> {
    return this.keys;
  }
}
