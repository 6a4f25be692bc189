/**
 * The stored form of the token signing keys, shared by Secrets Manager (AWS) and the key file
 * (local): `{"keys":[{"kid","alg":"EdDSA","privateJwk","publicJwk","createdAt"}]}`, newest first.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { SigningKey, VerificationKey } from '#core/ports.ts';

const jwk = z.record(z.string(), z.unknown());

const signingKeySet = z.object({
  keys: z
    .array(
      z.object({
        kid: z.string().check(z.minLength(1)),
        alg: z.literal('EdDSA'),
        privateJwk: jwk,
        publicJwk: jwk,
        createdAt: z.string(),
      }),
    )
    .check(z.minLength(1)),
});

export type SigningKeySet = z.infer<typeof signingKeySet>;

export const parseSigningKeySet = (text: string): readonly SigningKey[] => {
  const parsed = signingKeySet.safeParse(JSON.parse(text));
  // Never echo the secret: say only that its shape is wrong.
  if (!parsed.success) throw new Error('The signing key set is malformed');
  return parsed.data.keys.map(({ kid, alg, privateJwk, publicJwk }) => ({ kid, alg, privateJwk, publicJwk }));
};

/** The key set with each key's creation time (the app's readers need only the keys). */
export const parseSigningKeySetWithDates = (text: string): SigningKeySet => {
  const parsed = signingKeySet.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error('The signing key set is malformed');
  return parsed.data;
};

type StoredKey = SigningKeySet['keys'][number];

/**
 * The public halves only, `{"keys":[{"kid","alg","publicJwk","createdAt"}]}`: what the
 * verification-keys secret holds for the authorizer and the JWKS endpoint.
 */
const verificationKeySet = z.object({
  keys: z
    .array(
      z.object({
        kid: z.string().check(z.minLength(1)),
        alg: z.literal('EdDSA'),
        publicJwk: jwk,
        createdAt: z.string(),
      }),
    )
    .check(z.minLength(1)),
});

export type VerificationKeySet = z.infer<typeof verificationKeySet>;

export const verificationKeySetOf = (set: SigningKeySet): VerificationKeySet => ({
  keys: set.keys.map(({ kid, alg, publicJwk, createdAt }) => ({ kid, alg, publicJwk, createdAt })),
});

export const parseVerificationKeySet = (text: string): readonly VerificationKey[] => {
  const parsed = verificationKeySet.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error('The verification key set is malformed');
  // A private key in the public secret is a configuration error worth failing loudly on.
  if (parsed.data.keys.some((key) => 'd' in key.publicJwk)) {
    throw new Error('The verification key set holds private key material');
  }
  return parsed.data.keys.map(({ kid, alg, publicJwk }) => ({ kid, alg, publicJwk }));
};

const newSigningKey = async (createdAt: Date): Promise<StoredKey> => {
  const { exportJWK, generateKeyPair } = await import('jose');
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = `k-${createdAt.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  return {
    kid,
    alg: 'EdDSA',
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
    createdAt: createdAt.toISOString(),
  };
};

/** A new Ed25519 key set with one key: what a fresh deployment or local stack starts with. */
export const newSigningKeySet = async (createdAt: Date): Promise<SigningKeySet> => ({
  keys: [await newSigningKey(createdAt)],
});

/**
 * A key becomes the signing key only this long after it was added, so that every verifier
 * (which caches the key set for up to 5 minutes) knows it before the first token it signs
 * arrives. Until then the previous key keeps signing.
 */
export const keyActivationDelayMs = 6 * 60 * 1000;
/** Access tokens live 15 minutes, with 60 s of skew: a retired key verifies this long after. */
const retiredKeyGraceMs = (15 * 60 + 60) * 1000;

/** The key new tokens are signed with now: the newest key past its activation delay. */
export const signingKeyAt = (set: SigningKeySet, now: Date): StoredKey => {
  const keys = set.keys;
  const active = keys.find((key) => Date.parse(key.createdAt) + keyActivationDelayMs <= now.getTime());
  // None active yet (a fresh set): the oldest key, which no verifier can lack.
  return active ?? (keys[keys.length - 1] as StoredKey);
};

/**
 * Rotation: a new key first; the current signing key and any older key that may still have
 * signed a live token stay, for verification only. A key is dropped once its successor has
 * been signing for longer than an access token lives.
 */
export const rotateSigningKeySet = async (set: SigningKeySet, now: Date): Promise<SigningKeySet> => {
  const fresh = await newSigningKey(now);
  const kept: StoredKey[] = [];
  for (const [index, key] of set.keys.entries()) {
    const successor = index === 0 ? undefined : set.keys[index - 1];
    const successorActiveSince = successor
      ? Date.parse(successor.createdAt) + keyActivationDelayMs
      : Infinity;
    // Keep the newest existing key always; keep an older one while tokens it signed may live.
    if (index === 0 || now.getTime() - successorActiveSince < retiredKeyGraceMs) kept.push(key);
  }
  return { keys: [fresh, ...kept] };
};
