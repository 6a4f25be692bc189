/**
 * Searchable encryption for equality queries: a beacon is a truncated HMAC of a normalised
 * value under a per-tenant key, stored beside the ciphertext so "every mail from this sender"
 * is a key lookup, with no plaintext in the table.
 *
 * Length: 24 bits (6 hex characters). Two distinct values share a beacon with probability
 * 2^-24, so a query for one value also returns about (N − 1) / 2^24 items of other values,
 * where N is the number of distinct values the tenant has seen: 0.006 for 100,000 distinct
 * senders, 0.06 for a million. Those false positives are removed after decryption (the
 * answer is exact); they cost only reads. Short beacons are deliberate: a full-length HMAC
 * would let anyone holding the table link every item of one sender with certainty; at 24
 * bits, a tenant with millions of senders gets some collisions and with them some deniability.
 */
import { createHmac, hkdfSync } from 'node:crypto';

export const beaconBits = 24;

export const emailBeaconKinds = ['sender-address', 'sender-domain', 'recipient-address'] as const;
export type EmailBeaconKind = (typeof emailBeaconKinds)[number];
/** Email beacons, and the audit trail's: who acted, and on whom. */
export type BeaconKind = EmailBeaconKind | 'audit-actor' | 'audit-target';

export interface Beacon {
  readonly kind: BeaconKind;
  readonly value: string;
}

/** Addresses and domains compare case-insensitively and in Unicode NFC. */
export const normaliseForBeacon = (value: string): string => value.trim().normalize('NFC').toLowerCase();

/** The per-tenant beacon key, derived from key material the tenant's keyring holds. */
export const deriveBeaconKey = (branchKey: Uint8Array): Uint8Array =>
  new Uint8Array(hkdfSync('sha256', branchKey, new Uint8Array(0), 'phishx/beacons/v1', 32));

export const beacon = (key: Uint8Array, kind: BeaconKind, value: string): Beacon => ({
  kind,
  value: createHmac('sha256', key)
    .update(`${kind}\0${normaliseForBeacon(value)}`)
    .digest('hex')
    .slice(0, beaconBits / 4),
});

const domainOf = (address: string): string | null => {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address.slice(at + 1) : null;
};

/** The beacons of one email: its sender's address and domain, and every recipient's address. */
export const emailBeacons = (
  key: Uint8Array,
  email: { readonly from: { readonly address: string } | null; readonly recipients: readonly string[] },
): Beacon[] => {
  const beacons = new Map<string, Beacon>();
  const add = (item: Beacon) => beacons.set(`${item.kind}/${item.value}`, item);
  const sender = email.from?.address ?? '';
  if (sender.includes('@')) {
    add(beacon(key, 'sender-address', sender));
    const domain = domainOf(sender);
    if (domain) add(beacon(key, 'sender-domain', domain));
  }
  for (const recipient of email.recipients) {
    if (recipient.includes('@')) add(beacon(key, 'recipient-address', recipient));
  }
  return [...beacons.values()];
};
