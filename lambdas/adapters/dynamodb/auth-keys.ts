/**
 * Keys of the identity items in the single table. Family ids are global (a refresh request
 * names no tenant; the item names it), like usernames. Revocation records and rate-limit
 * counters carry the tenant or the caller in their key.
 */
import { rateLimitKeyPrefix, revocationKeyPrefix } from '#shared/tables.ts';

export const refreshFamilyKey = (familyId: string) => ({ pk: `RTF#${familyId}`, sk: 'RTF' });

/** One revocation record per subject: the authorizer reads exactly this item per request. */
export const revocationKey = (tenant: string, subject: string) => ({
  pk: `${revocationKeyPrefix}${tenant}#${subject}`,
  sk: 'REVOKED',
});

/** A rate-limit window or an IP's failure record; `key` already names what is limited. */
export const rateLimitKey = (key: string) => ({ pk: `${rateLimitKeyPrefix}${key}`, sk: 'RATE' });
