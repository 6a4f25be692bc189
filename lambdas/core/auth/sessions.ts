/**
 * Ending sessions: logout (one refresh family and the access token presented) and revoke-all
 * (every token of the subject). Both take effect on the next request: the authorizer reads the
 * deny-list on every call, and refresh checks the family and the subject's watermark.
 */
import type { Clock, UserRepository } from '../ports.ts';
import type { Principal } from './principal.ts';
import {
  invalidGrant,
  parseRefreshToken,
  type RefreshFamilyStore,
  type RefreshSubject,
  revokeFamily,
} from './refresh-tokens.ts';
import { denyEntryLifetimeSeconds, type RevocationStore } from './revocation.ts';

export interface SessionPorts {
  readonly families: RefreshFamilyStore;
  readonly revocations: RevocationStore;
  readonly clock: Clock;
}

/**
 * Revokes the caller's access token and, when given, the refresh token's family, which must be
 * the caller's own (another subject's family is answered as invalid, never revoked).
 */
export const logout = async (
  principal: Principal,
  accessTokenExpiresAt: number | undefined,
  refreshToken: string | undefined,
  ports: SessionPorts,
): Promise<void> => {
  const now = ports.clock.now();
  if (refreshToken !== undefined) {
    const parsed = parseRefreshToken(refreshToken);
    const family = parsed ? await ports.families.get(parsed.familyId) : null;
    if (!family || family.tenant !== principal.tenant || family.subject !== principal.subject) {
      throw invalidGrant();
    }
    await revokeFamily(family.id, ports);
  }
  const expiresAt = accessTokenExpiresAt ?? Math.floor(now.getTime() / 1000) + denyEntryLifetimeSeconds;
  await ports.revocations.revokeTokens(
    principal.tenant,
    principal.subject,
    [{ tokenId: principal.tokenId, expiresAt }],
    now,
  );
};

/**
 * Revokes every access and refresh token of the subject issued up to now. Epoch seconds are the
 * precision of `iat`, so the watermark is the start of the next second: a token issued later in
 * this same second is revoked too (fail-safe; a client logs in again a second later).
 */
export const revokeAll = async (
  subject: { readonly tenant: string; readonly subject: string },
  ports: { readonly revocations: Pick<RevocationStore, 'revokeSubject'>; readonly clock: Clock },
): Promise<{ readonly notBefore: number }> => {
  const now = ports.clock.now();
  const notBefore = Math.floor(now.getTime() / 1000) + 1;
  await ports.revocations.revokeSubject(subject.tenant, subject.subject, notBefore, now);
  return { notBefore };
};

/**
 * The subject a user family refreshes as, now: null when the user is gone, disabled, moved to
 * another tenant, or revoked everything after the family began.
 */
export const currentUserSubject =
  (ports: { readonly users: UserRepository; readonly revocations: Pick<RevocationStore, 'status'> }) =>
  async (family: RefreshSubject & { readonly createdAt: number }): Promise<RefreshSubject | null> => {
    const [user, status] = await Promise.all([
      ports.users.findByUsername(family.subject),
      ports.revocations.status(family.tenant, family.subject),
    ]);
    if (!user || user.disabled || user.tenant !== family.tenant) return null;
    if (status.notBefore !== undefined && family.createdAt < status.notBefore * 1000) return null;
    return { subject: user.username, tenant: user.tenant, role: user.role };
  };
