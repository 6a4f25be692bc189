/**
 * AES-256-GCM field encryption under a per-item data key.
 *
 * Each field is sealed on its own with additional authenticated data (AAD) that binds it to
 * the format version, tenant, item and field name: a ciphertext moved to another field,
 * item or tenant fails to open instead of decrypting to the wrong place.
 *
 * Wire format (version 1): 0x01 | IV (12 bytes) | ciphertext | GCM tag (16 bytes).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { RandomSource } from '../ports.ts';

const formatVersion = 1;
const ivLength = 12;
const tagLength = 16;
const keyLength = 32;

/** Where a field lives; every part is authenticated. */
export interface FieldLocation {
  readonly tenant: string;
  /** Logical record kind, e.g. `email`. */
  readonly record: string;
  readonly id: string;
  readonly field: string;
}

export class FieldDecryptionError extends Error {
  override readonly name = 'FieldDecryptionError';
}

const additionalData = (location: FieldLocation): Buffer =>
  // NUL separators: no component may contain NUL, so the encoding is unambiguous.
  Buffer.from(
    ['phishx', formatVersion, location.tenant, location.record, location.id, location.field].join('\0'),
    'utf8',
  );

const assertKey = (key: Uint8Array): void => {
  if (key.length !== keyLength) throw new RangeError('A data key must be 32 bytes');
};

export const sealField = (
  plaintext: Uint8Array,
  key: Uint8Array,
  location: FieldLocation,
  random: RandomSource,
): Uint8Array => {
  assertKey(key);
  const iv = random.bytes(ivLength);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
  cipher.setAAD(additionalData(location));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(formatVersion), iv, body, cipher.getAuthTag()]);
};

export const openField = (sealed: Uint8Array, key: Uint8Array, location: FieldLocation): Uint8Array => {
  assertKey(key);
  if (sealed.length < 1 + ivLength + tagLength || sealed[0] !== formatVersion) {
    throw new FieldDecryptionError(`Field ${location.field} is not in a known sealed format`);
  }
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const iv = bytes.subarray(1, 1 + ivLength);
  const tag = bytes.subarray(bytes.length - tagLength);
  const body = bytes.subarray(1 + ivLength, bytes.length - tagLength);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
  decipher.setAAD(additionalData(location));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new FieldDecryptionError(`Field ${location.field} failed authentication`);
  }
};

/** Seals every field of a record with one data key. */
export const sealFields = (
  fields: Readonly<Record<string, Uint8Array>>,
  key: Uint8Array,
  record: Omit<FieldLocation, 'field'>,
  random: RandomSource,
): Record<string, Uint8Array> =>
  Object.fromEntries(
    Object.entries(fields).map(([field, value]) => [
      field,
      sealField(value, key, { ...record, field }, random),
    ]),
  );

export const openFields = (
  sealed: Readonly<Record<string, Uint8Array>>,
  key: Uint8Array,
  record: Omit<FieldLocation, 'field'>,
): Record<string, Uint8Array> =>
  Object.fromEntries(
    Object.entries(sealed).map(([field, value]) => [field, openField(value, key, { ...record, field })]),
  );
