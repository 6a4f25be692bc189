/**
 * Access tokens: JWTs signed with Ed25519 (EdDSA), 15 minutes, typed `at+jwt` (RFC 9068).
 * Verification pins the algorithm, type, issuer and audience, and resolves keys only from the
 * trusted key set by `kid` — never from header-supplied `jku`/`jwk`/`x5u`.
 */
import { decodeJwt, errors, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { isRole, type Scope, scopesByRole } from '#shared/scopes.ts';
import { unauthenticated } from '../errors.ts';
import type { Clock, RandomSource, SigningKey, VerificationKey } from '../ports.ts';
import type { Principal } from './principal.ts';
import { isRevoked, type RevocationStatus, type RevocationStore, tokenRevoked } from './revocation.ts';
import {
  accessTokenLifetimeSeconds,
  accessTokenType as tokenType,
  clockToleranceSeconds,
} from './token-constants.ts';

export { accessTokenLifetimeSeconds, clockToleranceSeconds };

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly tokenId: string;
  /** Epoch seconds (`exp`). */
  readonly expiresAt: number;
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;
// Importing a JWK costs far more than verifying with it: keep each key, by kid, for the
// life of the execution environment.
const importedKeys = new Map<string, Promise<ImportedKey>>();
const importKey = (kid: string, jwk: Readonly<Record<string, unknown>>, use: 'private' | 'public') => {
  const cacheKey = `${use}:${kid}`;
  let key = importedKeys.get(cacheKey);
  if (!key) {
    key = importJWK({ ...jwk }, 'EdDSA');
    importedKeys.set(cacheKey, key);
  }
  return key;
};

export const issueAccessToken = async (
  subject: { readonly subject: string; readonly tenant: string; readonly role: Principal['role'] },
  key: SigningKey,
  settings: TokenSettings,
  ports: { readonly clock: Clock; readonly random: RandomSource },
): Promise<IssuedToken> => {
  const now = Math.floor(ports.clock.now().getTime() / 1000);
  const tokenId = Buffer.from(ports.random.bytes(16)).toString('base64url');
  const token = await new SignJWT({
    tenant: subject.tenant,
    role: subject.role,
    scope: scopesByRole[subject.role].join(' '),
  })
    .setProtectedHeader({ alg: key.alg, typ: tokenType, kid: key.kid })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(subject.subject)
    .setJti(tokenId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + accessTokenLifetimeSeconds)
    .sign(await importKey(key.kid, key.privateJwk, 'private'));
  return {
    token,
    expiresIn: accessTokenLifetimeSeconds,
    tokenId,
    expiresAt: now + accessTokenLifetimeSeconds,
  };
};

const invalidToken = () => unauthenticated('invalid_token', 'The access token is invalid');

const principalFrom = (payload: JWTPayload): Principal => {
  const { sub, jti, tenant, role, scope } = payload;
  if (
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof tenant !== 'string' ||
    tenant === '' ||
    !isRole(role) ||
    typeof scope !== 'string'
  ) {
    throw invalidToken();
  }
  // The role decides the scopes; a token cannot claim more than its role grants.
  const granted = scopesByRole[role];
  const scopes = scope.split(' ').filter((s): s is Scope => (granted as readonly string[]).includes(s));
  return { subject: sub, tenant, role, scopes, tokenId: jti };
};

/** A verified token: who, and when it was issued and expires (epoch seconds). */
export interface VerifiedToken {
  readonly principal: Principal;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface VerifyOptions {
  /**
   * The deny-list. When given, a revoked `jti` (or a token issued before the subject's
   * revoke-all watermark) is refused with `token_revoked`. The read starts before the
   * signature check, from the unverified claims, and is only trusted after it passes.
   */
  readonly revocations?: Pick<RevocationStore, 'status'>;
}

/** Starts the deny-list read from the unverified claims; never rejects (errors are kept for later). */
const startRevocationRead = (
  token: string,
  revocations: VerifyOptions['revocations'],
): Promise<{ status: RevocationStatus } | { error: unknown }> | undefined => {
  if (!revocations) return undefined;
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined; // not a JWT: the verify below refuses it
  }
  const { tenant, sub } = claims as { tenant?: unknown; sub?: unknown };
  if (typeof tenant !== 'string' || typeof sub !== 'string') return undefined;
  return revocations.status(tenant, sub).then(
    (status) => ({ status }),
    (error: unknown) => ({ error }),
  );
};

/**
 * Tokens whose signature and claims this execution environment has already verified, by their
 * exact text. A client sends the same token for up to 15 minutes, so after its first request
 * the signature check (the costly part) is skipped; the time checks, the key still being
 * trusted, the issuer/audience and the revocation check are NOT skipped — they run on every
 * call. Byte-identical text is the same signed token, so nothing unverified is ever trusted.
 */
interface CachedVerification {
  readonly verified: VerifiedToken;
  readonly notBefore: number;
  readonly kid: string;
  readonly issuer: string;
  readonly audience: string;
}
const verifiedTokens = new Map<string, CachedVerification>();
/** About 600 bytes a token: a few MB at most. Oldest first out. */
const maxCachedVerifications = 5000;

const remember = (token: string, entry: CachedVerification) => {
  if (verifiedTokens.size >= maxCachedVerifications) {
    const oldest = verifiedTokens.keys().next().value;
    if (oldest !== undefined) verifiedTokens.delete(oldest);
  }
  verifiedTokens.set(token, entry);
};

/** The cached verification, re-checked against the time, the key set and the settings now. */
const fromCache = (
  token: string,
  keys: readonly VerificationKey[],
  settings: TokenSettings,
  clock: Clock,
): VerifiedToken | undefined => {
  const cached = verifiedTokens.get(token);
  if (
    !cached ||
    cached.issuer !== settings.issuer ||
    cached.audience !== settings.audience ||
    !keys.some((key) => key.kid === cached.kid)
  ) {
    return undefined;
  }
  const now = clock.now().getTime() / 1000;
  if (now - clockToleranceSeconds >= cached.verified.expiresAt) {
    verifiedTokens.delete(token);
    throw unauthenticated('token_expired', 'The access token has expired');
  }
  if (now + clockToleranceSeconds < cached.notBefore) throw invalidToken();
  return cached.verified;
};

/** Forgets every cached verification (tests, and a key-set change if ever needed). */
export const clearVerificationCache = (): void => verifiedTokens.clear();

export const verifyAccessTokenDetailed = async (
  token: string,
  keys: readonly VerificationKey[],
  settings: TokenSettings,
  clock: Clock,
  options: VerifyOptions = {},
): Promise<VerifiedToken> => {
  const cached = fromCache(token, keys, settings, clock);
  if (cached) {
    if (options.revocations) {
      const { tenant, subject, tokenId } = cached.principal;
      const status = await options.revocations.status(tenant, subject);
      if (isRevoked({ tokenId, issuedAt: cached.issuedAt }, status)) throw tokenRevoked();
    }
    return cached;
  }
  const pendingStatus = startRevocationRead(token, options.revocations);
  let verified: VerifiedToken;
  let kid = '';
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        // Keys come only from the trusted set, by kid: jku, x5u, jwk and x5c are never followed.
        const key = keys.find((candidate) => candidate.kid === header.kid);
        if (!key || header.alg !== key.alg) throw invalidToken();
        kid = key.kid;
        return importKey(key.kid, key.publicJwk, 'public');
      },
      {
        algorithms: ['EdDSA'],
        typ: tokenType,
        issuer: settings.issuer,
        audience: settings.audience,
        currentDate: clock.now(),
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['sub', 'jti', 'iat', 'exp', 'tenant', 'role', 'scope'],
      },
    );
    verified = {
      principal: principalFrom(payload),
      issuedAt: payload.iat as number,
      expiresAt: payload.exp as number,
    };
    remember(token, {
      verified,
      notBefore: payload.nbf ?? (payload.iat as number),
      kid,
      issuer: settings.issuer,
      audience: settings.audience,
    });
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw unauthenticated('token_expired', 'The access token has expired');
    }
    throw invalidToken();
  }
  if (options.revocations) {
    // The claims are verified now; a read started from other claims cannot be trusted.
    const { tenant, subject } = verified.principal;
    const outcome: { status: RevocationStatus } | { error: unknown } = (await pendingStatus) ?? {
      status: await options.revocations.status(tenant, subject),
    };
    // Fail closed: a deny-list we cannot read revokes nothing silently; the error surfaces (500).
    if ('error' in outcome) throw outcome.error;
    if (isRevoked({ tokenId: verified.principal.tokenId, issuedAt: verified.issuedAt }, outcome.status)) {
      throw tokenRevoked();
    }
  }
  return verified;
};

export const verifyAccessToken = async (
  token: string,
  keys: readonly VerificationKey[],
  settings: TokenSettings,
  clock: Clock,
  options: VerifyOptions = {},
): Promise<Principal> => (await verifyAccessTokenDetailed(token, keys, settings, clock, options)).principal;
