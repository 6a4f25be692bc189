/**
 * GET /.well-known/jwks.json: the public keys access tokens are signed with — the current key
 * and the previous one (kept through a rotation, so tokens signed before it still verify).
 * Public parts only: `kty`, `crv`, `x`, plus `kid`, `alg` and `use`; never `d`.
 */
import * as aws from '#adapters/aws.ts';
import type { VerificationKeyStore } from '#core/ports.ts';
import { httpHandler } from '#shared/http.ts';

const publicMembers = ['kty', 'crv', 'x'] as const;

export const publicJwks = async (signingKeys: VerificationKeyStore) => ({
  keys: (await signingKeys.verificationKeys()).map((key) => ({
    ...Object.fromEntries(publicMembers.map((member) => [member, key.publicJwk[member]])),
    kid: key.kid,
    alg: key.alg,
    use: 'sig',
  })),
});

export const createJwksHandler = (ports: { readonly signingKeys: VerificationKeyStore }) =>
  httpHandler('jwks', async () => ({
    statusCode: 200,
    // Public and cacheable, unlike every other answer (verifiers poll it).
    headers: { 'Cache-Control': 'public, max-age=300' },
    body: await publicJwks(ports.signingKeys),
  }));

export const handler = createJwksHandler({ signingKeys: aws.verificationKeys() });
