/**
 * Scheduled branch-key rotation: a tenant whose newest branch key is older than the rotation
 * period gets a new version, which new items use from then on and the re-wrap job moves old
 * items to. Older versions stay, decrypt-only (see crypto/branch-keyring.ts).
 */
import type { BranchKeyring, BranchKeyRepository } from '../crypto/branch-keyring.ts';
import type { Clock } from '../ports.ts';

/**
 * How old a tenant's newest branch key may get before the scheduled job rotates it.
 *
 * Why 90 days: a branch key is unwrapped into the memory of every function that seals or opens
 * the tenant's mail, so it is the key most exposed; a bounded life bounds how much new mail a
 * leaked copy could open. 90 days is the mail retention (`emailRetentionDays`): an email lives
 * through at most about one rotation, so each item is re-wrapped about once in its life (one
 * small write), and after a pass nothing stored sits under a key older than one period. The KMS
 * key above it rotates yearly on its own; quarterly is the cadence security reviews expect of
 * keys that live in application memory. Costs one KMS call per tenant per period.
 */
export const branchKeyRotationPeriodDays = 90;

const dayMilliseconds = 86_400_000;

export interface RotationPorts {
  readonly keyring: BranchKeyring;
  readonly branchKeys: BranchKeyRepository;
  readonly clock: Clock;
}

export type RotationCheck =
  | { readonly kind: 'no-key' }
  | { readonly kind: 'current'; readonly version: number }
  | { readonly kind: 'rotated'; readonly from: number; readonly version: number };

/** True when a key created at `createdAt` has reached the rotation period at `now`. */
export const isRotationDue = (createdAt: string, now: Date, periodDays: number): boolean => {
  const created = Date.parse(createdAt);
  // A key with an unreadable date cannot prove it is young: rotate it.
  if (Number.isNaN(created)) return true;
  return now.getTime() - created >= periodDays * dayMilliseconds;
};

/**
 * Rotates the tenant's branch key when its newest version has reached the period. A tenant
 * with no branch key yet is left alone: its first seal creates version 1. Deciding from the
 * stored `createdAt` makes a repeat harmless: right after a rotation the newest key is young.
 */
export const rotateIfDue = async (
  tenant: string,
  ports: RotationPorts,
  periodDays: number = branchKeyRotationPeriodDays,
): Promise<RotationCheck> => {
  if (!(periodDays > 0)) throw new RangeError('The rotation period must be a positive number of days');
  const latest = await ports.branchKeys.latest(tenant);
  if (!latest) return { kind: 'no-key' };
  if (!isRotationDue(latest.createdAt, ports.clock.now(), periodDays)) {
    return { kind: 'current', version: latest.version };
  }
  const version = await ports.keyring.rotate(tenant);
  return { kind: 'rotated', from: latest.version, version };
};
