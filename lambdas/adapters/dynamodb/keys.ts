/**
 * Item keys of the single `main` table. Every tenant-owned item's partition key starts with
 * its tenant, so no query can reach across tenants. Emails get a partition each (tenant + id):
 * one tenant's mail spreads over many partitions instead of heating one.
 */
export const emailKey = (tenant: string, id: string) => ({ pk: `TENANT#${tenant}#EMAIL#${id}`, sk: 'EMAIL' });

export const tenantKey = (tenant: string) => ({ pk: `TENANT#${tenant}`, sk: 'TENANT' });

/** Usernames are global (they log in without naming a tenant); the item names its tenant. */
export const userKey = (username: string) => ({ pk: `USER#${username}`, sk: 'USER' });

/** Recipient domain → tenant (SES inbound). Domains are global, like usernames; the item names its tenant. */
export const domainKey = (domain: string) => ({ pk: `DOMAIN#${domain}`, sk: 'DOMAIN' });

/**
 * Operator audit entries that belong to no tenant (mail for an unknown domain), one partition
 * per UTC day: few writes, read by day.
 */
export const auditKey = (at: string, kind: string, dedupeKey: string) => ({
  pk: `AUDIT#${at.slice(0, 10)}`,
  sk: `${kind}#${dedupeKey}`,
});

/** The tenant's audit trail: one partition per tenant, events sorted by time (id = `<at>#<hex>`). */
export const auditTrailKey = (tenant: string, id: string) => ({ pk: `TENANT#${tenant}#AUDIT`, sk: id });

/** A tenant's branch keys sit in its partition; the padded version sorts newest last. */
export const branchKeyPrefix = 'BRANCHKEY#';
export const branchKeyKey = (tenant: string, version: number) => ({
  pk: tenantKey(tenant).pk,
  sk: `${branchKeyPrefix}${String(version).padStart(6, '0')}`,
});

/**
 * Beacon index entries: one partition per (tenant, beacon), sorted by time, holding only the
 * email id. The beacon is an HMAC, so the index reveals no address.
 */
export const beaconIndexKey = (
  tenant: string,
  beacon: { readonly kind: string; readonly value: string },
  receivedAt: string,
  id: string,
) => ({ pk: `TENANT#${tenant}#BEACON#${beacon.kind}#${beacon.value}`, sk: `${receivedAt}#${id}` });
