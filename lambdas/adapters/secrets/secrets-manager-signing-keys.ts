import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SigningKey, SigningKeyStore, VerificationKey, VerificationKeyStore } from '#core/ports.ts';
import {
  parseSigningKeySetWithDates,
  parseVerificationKeySet,
  type SigningKeySet,
  signingKeyAt,
} from './signing-key-set.ts';

/** Signing keys rotate rarely; a few minutes of caching saves a Secrets Manager call per request. */
const cacheMilliseconds = 5 * 60 * 1000;

export class SecretsManagerSigningKeys implements SigningKeyStore {
  private cached: { set: SigningKeySet; keys: readonly SigningKey[]; fetchedAt: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  private async load() {
    if (this.cached && this.now() - this.cached.fetchedAt < cacheMilliseconds) return this.cached;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString) throw new Error('The signing key secret has no value');
    const set = parseSigningKeySetWithDates(SecretString);
    const keys = set.keys.map(({ kid, alg, privateJwk, publicJwk }) => ({ kid, alg, privateJwk, publicJwk }));
    this.cached = { set, keys, fetchedAt: this.now() };
    return this.cached;
  }

  /**
   * The newest key past its activation delay (see `signingKeyAt`): a key added by rotation
   * signs only once every verifier's cache has had time to learn it.
   */
  async current(): Promise<SigningKey> {
    const { set, keys } = await this.load();
    const { kid } = signingKeyAt(set, new Date(this.now()));
    const current = keys.find((key) => key.kid === kid);
    if (!current) throw new Error('The signing key secret holds no key');
    return current;
  }

  async verificationKeys(): Promise<readonly SigningKey[]> {
    return (await this.load()).keys;
  }
}

/**
 * The public halves only, from the verification-keys secret: the authorizer and the JWKS
 * endpoint read this, never the private keys.
 */
export class SecretsManagerVerificationKeys implements VerificationKeyStore {
  private cached: { keys: readonly VerificationKey[]; fetchedAt: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async verificationKeys(): Promise<readonly VerificationKey[]> {
    if (this.cached && this.now() - this.cached.fetchedAt < cacheMilliseconds) return this.cached.keys;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString) throw new Error('The verification-keys secret has no value');
    this.cached = { keys: parseVerificationKeySet(SecretString), fetchedAt: this.now() };
    return this.cached.keys;
  }
}
