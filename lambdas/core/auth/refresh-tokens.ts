/**
 * Refresh tokens: opaque, stored only as SHA-256 hashes, rotated on every use.
 *
 * A login starts a *family*. Each refresh presents the family's current token and gets the next
 * one; the family's `generation` counter goes up by one in a conditional write (`generation =
 * :seen`), so of two concurrent refreshes with the same token exactly one wins, whatever their
 * timing (a counter, not a timestamp: no same-second replay, keycloak#50999). State lives in the
 * store (DynamoDB) only, so a restart or a failover does not reset it (keycloak#49426, #52666).
 *
 * Presenting anything else of a known family — an older generation, the previous token outside
 * the grace window, a wrong secret — is *reuse*: the family is revoked and every access token it
 * issued that is still alive goes on the deny-list (TTL = its remaining life). Knowing a family
 * id implies having held one of its tokens (the id is 128 random bits and appears nowhere else),
 * so this cannot be used to revoke a stranger's session.
 *
 * Grace (0-60 s, default 0, Cognito's RetryGracePeriodSeconds): within that many seconds of a
 * rotation, the *immediately previous* token is accepted once more (a client retrying after a
 * lost response, RFC 9700 / FAPI 2.0's concern). It rotates the family again, so the token the
 * first request got becomes the previous one and the one before it is penultimate: a token is
 * accepted at most twice, the second time only inside the window, never after.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from '#shared/scopes.ts';
import { DomainError } from '../errors.ts';
import type { Clock, RandomSource } from '../ports.ts';
import type { RevocationStore, RevokedToken } from './revocation.ts';

/** Absolute lifetime of a family: a login lasts this long at most, however often it refreshes. */
export const refreshFamilyLifetimeSeconds = 14 * 24 * 60 * 60;
export const maxGraceSeconds = 60;

export interface RefreshFamily {
  readonly id: string;
  readonly tenant: string;
  readonly subject: string;
  readonly role: Role;
  /** 0 for the token the login returned; +1 per rotation. */
  readonly generation: number;
  /** base64url SHA-256 of the current token. */
  readonly currentHash: string;
  /** base64url SHA-256 of the token of generation - 1 (absent at generation 0). */
  readonly previousHash?: string;
  /** Epoch ms of the last rotation (or of the login). */
  readonly rotatedAt: number;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch seconds: refused after, and the store's TTL deletes it. */
  readonly expiresAt: number;
  /** Epoch ms; set once, never cleared. */
  readonly revokedAt?: number;
  /** Access tokens this family issued that may still be alive: jti → exp (epoch seconds). */
  readonly liveTokens: Readonly<Record<string, number>>;
}

export interface FamilyRotation {
  readonly generation: number;
  readonly currentHash: string;
  readonly previousHash: string;
  readonly rotatedAt: number;
  readonly liveTokens: Readonly<Record<string, number>>;
}

/** Families by id, with conditional writes: DynamoDB (real) or memory (property tests). */
export interface RefreshFamilyStore {
  create(family: RefreshFamily): Promise<void>;
  /** Strongly consistent. */
  get(id: string): Promise<RefreshFamily | null>;
  /**
   * Applies `next` only if the family is still at `expectedGeneration` and not revoked;
   * false otherwise (someone else rotated or revoked it first).
   */
  rotate(id: string, expectedGeneration: number, next: FamilyRotation): Promise<boolean>;
  /**
   * Marks it revoked and answers its state after the write (null if absent); `first` is true
   * for the one call that revoked it.
   */
  revoke(id: string, at: number): Promise<{ readonly family: RefreshFamily; readonly first: boolean } | null>;
}

/** What a refresh hands to the access-token issuer. */
export interface RefreshSubject {
  readonly subject: string;
  readonly tenant: string;
  readonly role: Role;
}

export interface IssuedAccess {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresAt: number;
  readonly expiresIn: number;
}

export interface RefreshPorts {
  readonly families: RefreshFamilyStore;
  readonly revocations: Pick<RevocationStore, 'revokeTokens'>;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Issues the access token (signing key, settings, claims); injected so the core stays testable. */
  readonly issue: (subject: RefreshSubject) => Promise<IssuedAccess>;
  /**
   * The subject as it is now (role changes apply at the next refresh); null when the account is
   * gone or disabled, which ends the family. Optional for machine families.
   */
  readonly currentSubject?: (family: RefreshFamily) => Promise<RefreshSubject | null>;
  /** 0-60; default 0. */
  readonly graceSeconds?: number;
  /** Called once when reuse is detected (metrics, audit). */
  readonly onReuse?: (family: RefreshFamily) => void | Promise<void>;
}

export interface RefreshResult {
  readonly access: IssuedAccess;
  readonly refreshToken: string;
  readonly family: RefreshFamily;
  readonly grace: boolean;
}

const tokenPrefix = 'prt1';
const familyIdBytes = 16;
const secretBytes = 32;

export const invalidGrant = (message = 'The refresh token is invalid, expired or revoked') =>
  new DomainError('invalid_request', 'invalid_grant', message);
export const refreshTokenReused = () =>
  new DomainError(
    'invalid_request',
    'invalid_grant',
    'The refresh token was already used; its session has been revoked',
  );

export const hashRefreshToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('base64url');

const sameHash = (a: string | undefined, b: string): boolean => {
  if (a === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
};

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

const formatToken = (familyId: string, generation: number, random: RandomSource) =>
  `${tokenPrefix}.${familyId}.${generation}.${b64(random.bytes(secretBytes))}`;

const tokenPattern = /^prt1\.([\w-]{22})\.(\d{1,9})\.([\w-]{43})$/;

/** The family id and generation a well-formed token names; null for anything else. */
export const parseRefreshToken = (token: string): { familyId: string; generation: number } | null => {
  const match = tokenPattern.exec(token);
  if (!match) return null;
  return { familyId: match[1] as string, generation: Number(match[2]) };
};

const liveOnly = (tokens: Readonly<Record<string, number>>, nowSeconds: number) =>
  Object.fromEntries(Object.entries(tokens).filter(([, exp]) => exp > nowSeconds));

const epochSeconds = (clock: Clock) => Math.floor(clock.now().getTime() / 1000);

export const validateGraceSeconds = (value: number): number => {
  if (!Number.isInteger(value) || value < 0 || value > maxGraceSeconds) {
    throw new Error(`The refresh grace period must be an integer from 0 to ${maxGraceSeconds} seconds`);
  }
  return value;
};

/** Starts a family for a login: the first refresh token, with the login's access token as live. */
export const startRefreshFamily = async (
  subject: RefreshSubject,
  access: Pick<IssuedAccess, 'tokenId' | 'expiresAt'>,
  ports: Pick<RefreshPorts, 'families' | 'clock' | 'random'>,
): Promise<{ refreshToken: string; family: RefreshFamily }> => {
  const now = ports.clock.now().getTime();
  const id = b64(ports.random.bytes(familyIdBytes));
  const refreshToken = formatToken(id, 0, ports.random);
  const family: RefreshFamily = {
    id,
    ...subject,
    generation: 0,
    currentHash: hashRefreshToken(refreshToken),
    rotatedAt: now,
    createdAt: now,
    expiresAt: Math.floor(now / 1000) + refreshFamilyLifetimeSeconds,
    liveTokens: { [access.tokenId]: access.expiresAt },
  };
  await ports.families.create(family);
  return { refreshToken, family };
};

/**
 * Revokes a family and deny-lists its live access tokens. Idempotent; answers the family as it
 * was revoked (null when unknown).
 */
export const revokeFamily = async (
  familyId: string,
  ports: Pick<RefreshPorts, 'families' | 'revocations' | 'clock'>,
): Promise<{ readonly family: RefreshFamily; readonly first: boolean } | null> => {
  const now = ports.clock.now();
  const revoked = await ports.families.revoke(familyId, now.getTime());
  if (!revoked) return null;
  const { family } = revoked;
  // The revoke write is conditional on nothing and rotation is conditional on "not revoked", so
  // after it no rotation can add a token: this list is complete.
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const live: RevokedToken[] = Object.entries(liveOnly(family.liveTokens, nowSeconds)).map(
    ([tokenId, expiresAt]) => ({ tokenId, expiresAt }),
  );
  if (live.length > 0) await ports.revocations.revokeTokens(family.tenant, family.subject, live, now);
  return revoked;
};

type Decision = { kind: 'rotate'; grace: boolean } | { kind: 'reuse' } | { kind: 'invalid' };

const decide = (
  family: RefreshFamily,
  generation: number,
  hash: string,
  nowMs: number,
  graceSeconds: number,
): Decision => {
  if (family.revokedAt !== undefined || nowMs >= family.expiresAt * 1000) return { kind: 'invalid' };
  if (generation === family.generation && sameHash(family.currentHash, hash)) {
    return { kind: 'rotate', grace: false };
  }
  if (
    graceSeconds > 0 &&
    generation === family.generation - 1 &&
    sameHash(family.previousHash, hash) &&
    nowMs - family.rotatedAt <= graceSeconds * 1000
  ) {
    return { kind: 'rotate', grace: true };
  }
  return { kind: 'reuse' };
};

/** Bounded: each retry means another request rotated the family meanwhile. */
const maxAttempts = 4;

/** Exchanges a refresh token for a new access token and the family's next refresh token. */
export const refreshAccessToken = async (token: string, ports: RefreshPorts): Promise<RefreshResult> => {
  const parsed = parseRefreshToken(token);
  if (!parsed) throw invalidGrant();
  const graceSeconds = validateGraceSeconds(ports.graceSeconds ?? 0);
  const hash = hashRefreshToken(token);

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const family = await ports.families.get(parsed.familyId);
    if (!family) throw invalidGrant();
    const nowMs = ports.clock.now().getTime();
    const decision = decide(family, parsed.generation, hash, nowMs, graceSeconds);
    if (decision.kind === 'invalid') throw invalidGrant();
    if (decision.kind === 'reuse') {
      const revoked = await revokeFamily(family.id, ports);
      // Report once per family: only from the request that revoked it.
      if (revoked?.first && ports.onReuse) await ports.onReuse(revoked.family);
      throw refreshTokenReused();
    }

    const subject = ports.currentSubject
      ? await ports.currentSubject(family)
      : { subject: family.subject, tenant: family.tenant, role: family.role };
    if (!subject || subject.tenant !== family.tenant || subject.subject !== family.subject) {
      await revokeFamily(family.id, ports);
      throw invalidGrant();
    }
    const access = await ports.issue(subject);
    const nextGeneration = family.generation + 1;
    const refreshToken = formatToken(family.id, nextGeneration, ports.random);
    const rotation: FamilyRotation = {
      generation: nextGeneration,
      currentHash: hashRefreshToken(refreshToken),
      previousHash: family.currentHash,
      rotatedAt: nowMs,
      liveTokens: {
        ...liveOnly(family.liveTokens, epochSeconds(ports.clock)),
        [access.tokenId]: access.expiresAt,
      },
    };
    if (await ports.families.rotate(family.id, family.generation, rotation)) {
      return {
        access,
        refreshToken,
        family: { ...family, ...rotation, role: subject.role },
        grace: decision.grace,
      };
    }
    // Lost the race: the access token just signed was never handed out. Decide again on the
    // new state, where this token is now the previous one (grace) or older (reuse).
  }
  throw invalidGrant('The session is changing too fast; log in again');
};
