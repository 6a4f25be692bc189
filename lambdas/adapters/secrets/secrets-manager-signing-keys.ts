import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SigningKey, SigningKeyStore } from '#core/ports.ts';
import { parseSigningKeySet } from './signing-key-set.ts';

/** Signing keys rotate rarely; a few minutes of caching saves a Secrets Manager call per request. */
const cacheMilliseconds = 5 * 60 * 1000;

export class SecretsManagerSigningKeys implements SigningKeyStore {
  private cached: { keys: readonly SigningKey[]; fetchedAt: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  private async keys(): Promise<readonly SigningKey[]> {
    if (this.cached && this.now() - this.cached.fetchedAt < cacheMilliseconds) return this.cached.keys;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString) throw new Error('The signing key secret has no value');
    const keys = parseSigningKeySet(SecretString);
    this.cached = { keys, fetchedAt: this.now() };
    return keys;
  }

  async current(): Promise<SigningKey> {
    const [current] = await this.keys();
    if (!current) throw new Error('The signing key secret holds no key');
    return current;
  }

  verificationKeys(): Promise<readonly SigningKey[]> {
    return this.keys();
  }
}
