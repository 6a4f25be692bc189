/**
 * Authentication events, as the auth handlers describe them; they go to the tenant's audit
 * trail (core/audit), read at GET /v1/audit. They name the subject, the source IP and the
 * event, never a password or a token (a session is named by a short hash of its family id).
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

export const sessionName = (familyId: string): string =>
  createHash('sha256').update(familyId).digest('base64url').slice(0, 12);
