/**
 * The stored form of the token signing keys, shared by Secrets Manager (AWS) and the key file
 * (local): `{"keys":[{"kid","alg":"EdDSA","privateJwk","publicJwk","createdAt"}]}`, newest first.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { SigningKey } from '#core/ports.ts';

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

/** A new Ed25519 key set with one key: what a fresh deployment or local stack starts with. */
export const newSigningKeySet = async (createdAt: Date): Promise<SigningKeySet> => {
  const { exportJWK, generateKeyPair } = await import('jose');
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = `k-${createdAt.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  return {
    keys: [
      {
        kid,
        alg: 'EdDSA',
        privateJwk: await exportJWK(privateKey),
        publicJwk: await exportJWK(publicKey),
        createdAt: createdAt.toISOString(),
      },
    ],
  };
};
