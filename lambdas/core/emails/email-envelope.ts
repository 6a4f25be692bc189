/**
 * Envelope encryption of a stored email: one fresh data key per email (wrapped by the master
 * key through the DataKeyProvider port), every personal field and the findings sealed under it.
 */
import { openField, openFields, sealField, sealFields } from '../crypto/field-cipher.ts';
import type { Finding } from '../detection/analysis.ts';
import type { ParsedEmail } from '../email/parsed-email.ts';
import type { DataKeyProvider, KeyContext, RandomSource, SealedFields } from '../ports.ts';
import { fitPersonalFields, fromPersonalFields } from '../privacy/personal-fields.ts';

/** Room for the sealed fields in a 400 KB DynamoDB item, with headroom for the other attributes. */
export const sealedFieldsBudgetBytes = 350 * 1024;

const keyContext = (tenant: string): KeyContext => ({ tenant, purpose: 'email' });
const location = (tenant: string, id: string) => ({ tenant, record: 'email', id });

export interface SealedEmail {
  readonly wrappedKey: Uint8Array;
  readonly masterKeyId: string;
  readonly fields: SealedFields;
}

export const sealEmail = async (
  email: ParsedEmail,
  where: { readonly tenant: string; readonly id: string },
  ports: { readonly dataKeys: DataKeyProvider; readonly random: RandomSource },
): Promise<SealedEmail> => {
  const dataKey = await ports.dataKeys.generateDataKey(keyContext(where.tenant));
  try {
    const fields = fitPersonalFields(email, sealedFieldsBudgetBytes);
    return {
      wrappedKey: dataKey.wrapped,
      masterKeyId: dataKey.masterKeyId,
      fields: sealFields(fields, dataKey.plaintext, location(where.tenant, where.id), ports.random),
    };
  } finally {
    dataKey.plaintext.fill(0);
  }
};

/** An opened email's data key, to seal its findings without a second unwrap. */
export interface OpenedEmail {
  readonly email: ParsedEmail;
  sealFindings(findings: readonly Finding[]): Uint8Array;
  /** Zeroes the data key; call when done. */
  close(): void;
}

export const openEmail = async (
  stored: { readonly tenant: string; readonly id: string } & SealedEmail,
  ports: { readonly dataKeys: DataKeyProvider; readonly random: RandomSource },
): Promise<OpenedEmail> => {
  const key = await ports.dataKeys.decryptDataKey(stored.wrappedKey, keyContext(stored.tenant));
  const where = location(stored.tenant, stored.id);
  try {
    const email = fromPersonalFields(openFields(stored.fields, key, where));
    return {
      email,
      sealFindings: (findings) =>
        sealField(
          new TextEncoder().encode(JSON.stringify(findings)),
          key,
          { ...where, field: 'findings' },
          ports.random,
        ),
      close: () => key.fill(0),
    };
  } catch (error) {
    key.fill(0);
    throw error;
  }
};

export const openFindings = async (
  stored: { readonly tenant: string; readonly id: string; readonly wrappedKey: Uint8Array },
  sealedFindings: Uint8Array,
  dataKeys: DataKeyProvider,
): Promise<Finding[]> => {
  const key = await dataKeys.decryptDataKey(stored.wrappedKey, keyContext(stored.tenant));
  try {
    const plain = openField(sealedFindings, key, {
      ...location(stored.tenant, stored.id),
      field: 'findings',
    });
    return JSON.parse(Buffer.from(plain).toString('utf8')) as Finding[];
  } finally {
    key.fill(0);
  }
};
