/**
 * A data subject's pseudonym: a full-length keyed HMAC of the normalised address under the
 * tenant's beacon key. The audit trail names the subject of an export or an erase by it, so the
 * log proves what was done and when without holding the address; an admin who knows the
 * address finds those events again (GET /v1/audit?subject=…), nobody else can reverse it.
 */
import { createHmac } from 'node:crypto';
import { normaliseForBeacon } from '../crypto/beacons.ts';

export const subjectPseudonym = (beaconKey: Uint8Array, address: string): string =>
  `subj_${createHmac('sha256', beaconKey)
    .update(`data-subject\0${normaliseForBeacon(address)}`)
    .digest('hex')
    .slice(0, 32)}`;
