/**
 * The audit log of authentication events, per tenant, newest first: what a tenant admin reads at
 * GET /v1/auth/audit-log. Entries name the subject, the source IP and the event, never a
 * password or a token (a session is named by a short hash of its family id).
 */
import { createHash } from 'node:crypto';

export const authEventTypes = [
  'token_issued',
  'token_refreshed',
  'refresh_reuse_detected',
  'session_revoked',
  'all_sessions_revoked',
  'login_failed',
  'ip_blocked',
] as const;
export type AuthEventType = (typeof authEventTypes)[number];

export interface AuthEvent {
  readonly tenant: string;
  readonly type: AuthEventType;
  /** ISO 8601. */
  readonly at: string;
  readonly subject: string;
  readonly sourceIp?: string;
  /** A short, one-way name for a refresh session (never the id, which is half a bearer secret). */
  readonly session?: string;
}

export interface AuthAuditLog {
  record(event: AuthEvent): Promise<void>;
  /** Newest first; `before` (ISO) pages back. */
  list(
    tenant: string,
    options: { readonly limit: number; readonly before?: string },
  ): Promise<readonly AuthEvent[]>;
}

/** How long auth events are kept. */
export const authAuditRetentionDays = 90;

export const sessionName = (familyId: string): string =>
  createHash('sha256').update(familyId).digest('base64url').slice(0, 12);

/**
 * Records an event without failing the request it describes: an audit store outage must not
 * lock everyone out. The failure is reported through `onError` (logged and counted).
 */
export const recordAuthEvent = async (
  audit: AuthAuditLog | undefined,
  event: AuthEvent,
  onError: (error: unknown) => void,
): Promise<void> => {
  if (!audit) return;
  try {
    await audit.record(event);
  } catch (error) {
    onError(error);
  }
};
