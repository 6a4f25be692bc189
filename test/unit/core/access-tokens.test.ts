import {
  base64url,
  decodeProtectedHeader,
  importJWK,
  type JWTHeaderParameters,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '#adapters/system.ts';
import {
  accessTokenLifetimeSeconds,
  issueAccessToken,
  verifyAccessToken,
  verifyAccessTokenDetailed,
} from '#core/auth/access-tokens.ts';
import type { RevocationStatus } from '#core/auth/revocation.ts';
import type { Clock, SigningKey } from '#core/ports.ts';
import { newSigningKey } from '../../support/signing-keys.ts';

const settings = { issuer: 'https://phishx.test', audience: 'phishx-api' };
const at = (iso: string): Clock => ({ now: () => new Date(iso) });
const issuedAt = at('2026-11-23T10:00:00Z');
const ports = { clock: issuedAt, random: cryptoRandom };
const analyst = { subject: 'ana', tenant: 'acme', role: 'soc_analyst' as const };

let key: SigningKey;
let otherKey: SigningKey;
beforeAll(async () => {
  key = await newSigningKey('k1');
  otherKey = await newSigningKey('k2');
});

/** A token with the given header and claims, signed with `signingKey` — for crafting attacks. */
const craft = async (
  header: JWTHeaderParameters,
  claims: Record<string, unknown>,
  signingKey: Parameters<SignJWT['sign']>[0],
  now = new Date(),
) => {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ tenant: 'acme', role: 'admin', scope: 'admin', ...claims })
    .setProtectedHeader(header)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject('x')
    .setJti('j')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(signingKey);
};
const privateKeyOf = (signingKey: SigningKey) => importJWK({ ...signingKey.privateJwk }, 'EdDSA');
const now = (): Clock => ({ now: () => new Date() });

const expectCode = async (promise: Promise<unknown>, code: string) =>
  expect(promise).rejects.toMatchObject({ kind: 'unauthenticated', code });

describe('access tokens', () => {
  it('issues a 15-minute at+jwt token that verifies to the principal', async () => {
    const issued = await issueAccessToken(analyst, key, settings, ports);
    expect(issued.expiresIn).toBe(accessTokenLifetimeSeconds);
    expect(decodeProtectedHeader(issued.token)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' });
    const principal = await verifyAccessToken(issued.token, [key], settings, at('2026-11-23T10:14:00Z'));
    expect(principal).toEqual({
      subject: 'ana',
      tenant: 'acme',
      role: 'soc_analyst',
      scopes: ['read', 'write', 'soc'],
      tokenId: issued.tokenId,
    });
  });

  it('verifies against any key in the trusted set (rotation)', async () => {
    const issued = await issueAccessToken(analyst, key, settings, ports);
    await expect(verifyAccessToken(issued.token, [otherKey, key], settings, issuedAt)).resolves.toMatchObject(
      {
        tenant: 'acme',
      },
    );
  });

  it('rejects an expired token with token_expired, after the 60 s skew', async () => {
    const issued = await issueAccessToken(analyst, key, settings, ports);
    await expect(
      verifyAccessToken(issued.token, [key], settings, at('2026-11-23T10:15:59Z')),
    ).resolves.toBeTruthy();
    await expectCode(
      verifyAccessToken(issued.token, [key], settings, at('2026-11-23T10:16:01Z')),
      'token_expired',
    );
  });

  it('rejects a token that is not yet valid beyond the skew', async () => {
    const issued = await issueAccessToken(analyst, key, settings, ports);
    await expectCode(
      verifyAccessToken(issued.token, [key], settings, at('2026-11-23T09:58:30Z')),
      'invalid_token',
    );
  });

  it.each([
    ['wrong issuer', { ...settings, issuer: 'https://evil.test' }],
    ['wrong audience', { ...settings, audience: 'other-api' }],
  ])('rejects a token with the %s', async (_, expected) => {
    const issued = await issueAccessToken(analyst, key, settings, ports);
    await expectCode(verifyAccessToken(issued.token, [key], expected, issuedAt), 'invalid_token');
  });

  it('rejects an unknown kid and a key outside the trusted set', async () => {
    const issued = await issueAccessToken(analyst, otherKey, settings, ports);
    await expectCode(verifyAccessToken(issued.token, [key], settings, issuedAt), 'invalid_token');
  });

  it('rejects a tampered payload', async () => {
    const issued = await issueAccessToken(analyst, key, settings, ports);
    const [header, payload, signature] = issued.token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    const forged = base64url.encode(JSON.stringify({ ...claims, tenant: 'victim', role: 'admin' }));
    await expectCode(
      verifyAccessToken(`${header}.${forged}.${signature}`, [key], settings, issuedAt),
      'invalid_token',
    );
  });

  it('rejects alg none', async () => {
    const unsecured = new UnsecuredJWT({ tenant: 'acme', role: 'admin', scope: 'admin' })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setSubject('x')
      .setJti('j')
      .setIssuedAt(1_795_000_000)
      .setExpirationTime(1_795_000_900)
      .encode();
    await expectCode(verifyAccessToken(unsecured, [key], settings, issuedAt), 'invalid_token');
  });

  it('rejects HMAC signed with the public key (key confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const confused = await craft({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' }, {}, secret);
    await expectCode(verifyAccessToken(confused, [key], settings, now()), 'invalid_token');
  });

  it('ignores an attacker-supplied jwk header and rejects the token', async () => {
    const attacker = await newSigningKey('k1');
    const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'k1', jwk: attacker.publicJwk as never };
    const token = await craft(header, {}, await privateKeyOf(attacker));
    await expectCode(verifyAccessToken(token, [key], settings, now()), 'invalid_token');
  });

  it('rejects the wrong typ (an id token is not an access token)', async () => {
    const token = await craft({ alg: 'EdDSA', typ: 'JWT', kid: 'k1' }, {}, await privateKeyOf(key));
    await expectCode(verifyAccessToken(token, [key], settings, now()), 'invalid_token');
  });

  it('grants only the scopes of the role, whatever the token claims', async () => {
    const claims = { role: 'readonly', scope: 'read write admin' };
    const token = await craft({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' }, claims, await privateKeyOf(key));
    const principal = await verifyAccessToken(token, [key], settings, now());
    expect(principal.scopes).toEqual(['read']);
  });

  it('rejects garbage', async () => {
    await expectCode(verifyAccessToken('not.a.jwt', [key], settings, issuedAt), 'invalid_token');
    await expectCode(verifyAccessToken('', [key], settings, issuedAt), 'invalid_token');
  });

  describe('RFC 8725 §3.10 / ASVS V9.1.3: header-supplied key locations are never followed', () => {
    // The verifier never fetches: any network access would show up as a call to this fetch.
    const attacker = () => newSigningKey('k1');

    it.each([
      ['jku', (url: string) => ({ jku: url })],
      ['x5u', (url: string) => ({ x5u: url })],
    ])('rejects a token whose %s points at the attacker, without fetching it', async (_name, extra) => {
      const evil = await attacker();
      const fetched: string[] = [];
      const realFetch = globalThis.fetch;
      globalThis.fetch = (async (input: unknown) => {
        fetched.push(String(input));
        throw new Error('no network in tests');
      }) as typeof fetch;
      try {
        const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'k1', ...extra('https://evil.test/jwks.json') };
        const token = await craft(header as JWTHeaderParameters, {}, await privateKeyOf(evil));
        await expectCode(verifyAccessToken(token, [key], settings, now()), 'invalid_token');
      } finally {
        globalThis.fetch = realFetch;
      }
      expect(fetched).toEqual([]);
    });

    it('rejects an attacker x5c certificate chain in the header', async () => {
      const evil = await attacker();
      const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'k1', x5c: ['MIIBattacker'] };
      const token = await craft(header as JWTHeaderParameters, {}, await privateKeyOf(evil));
      await expectCode(verifyAccessToken(token, [key], settings, now()), 'invalid_token');
    });

    it.each([
      ['path traversal', '../../keys/k1'],
      ['SQL-looking', "k1' OR '1'='1"],
      ['empty', ''],
      ['absent', undefined],
    ])('rejects a %s kid: keys are looked up only in the trusted set', async (_name, kid) => {
      const header = { alg: 'EdDSA', typ: 'at+jwt', ...(kid !== undefined && { kid }) };
      const token = await craft(header as JWTHeaderParameters, {}, await privateKeyOf(key));
      await expectCode(verifyAccessToken(token, [key], settings, now()), 'invalid_token');
    });
  });

  describe('revocation (the deny-list)', () => {
    const statusFor = (status: RevocationStatus) => ({
      reads: [] as string[],
      status(tenant: string, subject: string) {
        this.reads.push(`${tenant}/${subject}`);
        return Promise.resolve(status);
      },
    });

    it('rejects a revoked jti with token_revoked', async () => {
      const issued = await issueAccessToken(analyst, key, settings, ports);
      const revocations = statusFor({ tokens: { [issued.tokenId]: issued.expiresAt } });
      await expectCode(
        verifyAccessToken(issued.token, [key], settings, issuedAt, { revocations }),
        'token_revoked',
      );
      expect(revocations.reads).toEqual(['acme/ana']);
    });

    it('accepts a token whose jti is not revoked, and names iat and exp', async () => {
      const issued = await issueAccessToken(analyst, key, settings, ports);
      const revocations = statusFor({ tokens: { someone_else: issued.expiresAt } });
      const verified = await verifyAccessTokenDetailed(issued.token, [key], settings, issuedAt, {
        revocations,
      });
      expect(verified.expiresAt - verified.issuedAt).toBe(accessTokenLifetimeSeconds);
    });

    it('rejects a token issued before the subject revoked everything (watermark), not one after', async () => {
      const issued = await issueAccessToken(analyst, key, settings, ports);
      const iat = Math.floor(issuedAt.now().getTime() / 1000);
      await expectCode(
        verifyAccessToken(issued.token, [key], settings, issuedAt, {
          revocations: statusFor({ notBefore: iat + 1, tokens: {} }),
        }),
        'token_revoked',
      );
      await expect(
        verifyAccessToken(issued.token, [key], settings, issuedAt, {
          revocations: statusFor({ notBefore: iat, tokens: {} }),
        }),
      ).resolves.toMatchObject({ subject: 'ana' });
    });

    it('fails closed when the deny-list cannot be read', async () => {
      const issued = await issueAccessToken(analyst, key, settings, ports);
      const revocations = { status: () => Promise.reject(new Error('throttled')) };
      await expect(
        verifyAccessToken(issued.token, [key], settings, issuedAt, { revocations }),
      ).rejects.toThrow('throttled');
    });

    it('checks the signature first: a forged token is invalid_token even when its jti is revoked', async () => {
      const evil = await newSigningKey('k1');
      const token = await craft({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' }, {}, await privateKeyOf(evil));
      await expectCode(
        verifyAccessToken(token, [key], settings, now(), { revocations: statusFor({ tokens: { j: 9e9 } }) }),
        'invalid_token',
      );
    });
  });

  describe('the verified-token cache skips only the signature check', () => {
    it('a token verified before is still refused once revoked, expired, untrusted or for another audience', async () => {
      const issued = await issueAccessToken(analyst, key, settings, ports);
      const revoked: Record<string, number> = {};
      const revocations = { status: async () => ({ tokens: revoked }) };
      await expect(
        verifyAccessToken(issued.token, [key], settings, issuedAt, { revocations }),
      ).resolves.toMatchObject({ subject: 'ana' });
      revoked[issued.tokenId] = issued.expiresAt;
      await expectCode(
        verifyAccessToken(issued.token, [key], settings, issuedAt, { revocations }),
        'token_revoked',
      );
      await expectCode(verifyAccessToken(issued.token, [otherKey], settings, issuedAt), 'invalid_token');
      await expectCode(
        verifyAccessToken(issued.token, [key], { ...settings, audience: 'other-api' }, issuedAt),
        'invalid_token',
      );
      await expectCode(
        verifyAccessToken(issued.token, [key], settings, at('2026-11-23T09:58:30Z')),
        'invalid_token',
      );
      await expectCode(
        verifyAccessToken(issued.token, [key], settings, at('2026-11-23T10:16:01Z')),
        'token_expired',
      );
    });
  });
});
