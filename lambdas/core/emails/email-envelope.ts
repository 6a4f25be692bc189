/**
 * Encryption of a stored email: the item envelope (a fresh data key per email, wrapped by the
 * tenant's branch key; every personal field sealed and the whole signed) over the personal
 * fields, plus the findings, sealed for the same item when the analysis is stored.
 */
import { type Beacon, emailBeacons } from '../crypto/beacons.ts';
import type { BranchKeyring } from '../crypto/branch-keyring.ts';
import { type ItemEnvelope, type ItemLocation, openItem, sealItem } from '../crypto/item-envelope.ts';
import type { Finding } from '../detection/analysis.ts';
import type { ParsedEmail } from '../email/parsed-email.ts';
import type { RandomSource, SealedFields } from '../ports.ts';
import { fitPersonalFields, fromPersonalFields } from '../privacy/personal-fields.ts';

/** Room for the sealed fields in a 400 KB DynamoDB item, with headroom for the other attributes. */
export const sealedFieldsBudgetBytes = 350 * 1024;

export interface CryptoPorts {
  readonly keyring: BranchKeyring;
  readonly random: RandomSource;
}

/**
 * The email's identity as the ciphertexts bind it: tenant, record kind and id. The physical
 * DynamoDB key derives one-to-one from these, and the core stays free of the table layout.
 */
export const emailLocation = (tenant: string, id: string): ItemLocation => ({
  tenant,
  table: 'emails',
  pk: id,
  sk: 'email',
});

const findingsField = 'findings';

export interface SealedEmail {
  readonly envelope: ItemEnvelope;
  readonly fields: SealedFields;
}

/** A sealed email with the beacons that make its sender and recipients searchable. */
export interface SealedNewEmail extends SealedEmail {
  readonly beacons: readonly Beacon[];
}

export const sealEmail = async (
  email: ParsedEmail,
  where: { readonly tenant: string; readonly id: string },
  ports: CryptoPorts,
): Promise<SealedNewEmail> => {
  const { fields, ...envelope } = await sealItem(
    fitPersonalFields(email, sealedFieldsBudgetBytes),
    emailLocation(where.tenant, where.id),
    ports,
  );
  // Sealing created the tenant's first branch key if needed, so the beacon key exists.
  const beaconKey = await ports.keyring.beaconKey(where.tenant);
  if (!beaconKey) throw new Error('The tenant has no beacon key after sealing');
  const recipients = [...email.to, ...email.cc, ...email.bcc].map((recipient) => recipient.address);
  return { envelope, fields, beacons: emailBeacons(beaconKey, { from: email.from, recipients }) };
};

/** An opened email, able to seal its findings under the same item keys. */
export interface OpenedEmail {
  readonly email: ParsedEmail;
  sealFindings(findings: readonly Finding[]): Uint8Array;
  /** Zeroes the item keys; call when done. */
  close(): void;
}

type StoredSealedEmail = { readonly tenant: string; readonly id: string } & SealedEmail;

const open = (stored: StoredSealedEmail, ports: CryptoPorts) =>
  openItem({ ...stored.envelope, fields: stored.fields }, emailLocation(stored.tenant, stored.id), ports);

export const openEmail = async (stored: StoredSealedEmail, ports: CryptoPorts): Promise<OpenedEmail> => {
  const item = await open(stored, ports);
  try {
    return {
      email: fromPersonalFields(item.fields),
      sealFindings: (findings) =>
        item.seal(findingsField, new TextEncoder().encode(JSON.stringify(findings))),
      close: item.close,
    };
  } catch (error) {
    item.close();
    throw error;
  }
};

export const openFindings = async (
  stored: StoredSealedEmail,
  sealedFindings: Uint8Array,
  ports: CryptoPorts,
): Promise<Finding[]> => {
  const item = await open(stored, ports);
  try {
    return JSON.parse(Buffer.from(item.open(findingsField, sealedFindings)).toString('utf8')) as Finding[];
  } finally {
    item.close();
  }
};
