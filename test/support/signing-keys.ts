import { exportJWK, generateKeyPair } from 'jose';
import type { SigningKey } from '#core/ports.ts';

/** A fresh Ed25519 signing key, in the shape the key stores hold. */
export const newSigningKey = async (kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return {
    kid,
    alg: 'EdDSA',
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  };
};
