/**
 * Database-grade item encryption: a fresh 256-bit data key per item, wrapped by the tenant's
 * branch key; every field sealed with AES-256-GCM under a field key derived from it, its AAD
 * binding tenant, table, partition key, sort key and field name; and an HMAC-SHA256 signature
 * over all of it (format version, location, branch version, wrapped key, every sealed field by
 * name). The signature is checked before anything is decrypted, so a field swapped between
 * attributes, a ciphertext transplanted from another item or tenant, or a field kept from an
 * earlier version of the item fails as a whole instead of decrypting to the wrong place.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../ports.ts';
import type { BranchKeyring } from './branch-keyring.ts';
import { openField, sealField } from './field-cipher.ts';

export const itemFormatVersion = 2;

export interface ItemLocation {
  readonly tenant: string;
  readonly table: string;
  readonly pk: string;
  readonly sk: string;
}

export interface ItemEnvelope {
  readonly format: number;
  /** The branch key version that wraps the data key. */
  readonly branchVersion: number;
  readonly wrappedKey: Uint8Array;
  /** HMAC-SHA256 over the envelope, the location and every sealed field. */
  readonly signature: Uint8Array;
}

export interface SealedItem extends ItemEnvelope {
  readonly fields: Readonly<Record<string, Uint8Array>>;
}

export class ItemIntegrityError extends Error {
  override readonly name = 'ItemIntegrityError';
  readonly code = 'item_integrity';
}

interface ItemKeys {
  readonly fieldKey: Uint8Array;
  readonly macKey: Uint8Array;
}

/** Separate keys for confidentiality and integrity, both from the one data key (HKDF-SHA256). */
const deriveKeys = (dataKey: Uint8Array): ItemKeys => ({
  fieldKey: new Uint8Array(hkdfSync('sha256', dataKey, new Uint8Array(0), 'phishx/item/fields', 32)),
  macKey: new Uint8Array(hkdfSync('sha256', dataKey, new Uint8Array(0), 'phishx/item/signature', 32)),
});

const dataKeyLocation = (location: ItemLocation, branchVersion: number) => ({
  tenant: location.tenant,
  record: `${location.table}/data-key`,
  id: JSON.stringify([location.pk, location.sk, branchVersion]),
  field: 'data-key',
});

const fieldLocation = (location: ItemLocation, field: string) => ({
  tenant: location.tenant,
  record: location.table,
  id: JSON.stringify([location.pk, location.sk]),
  field,
});

/** Length-prefixed, so no two different items serialise to the same bytes. */
const signature = (
  macKey: Uint8Array,
  location: ItemLocation,
  envelope: Omit<ItemEnvelope, 'signature'>,
  fields: Readonly<Record<string, Uint8Array>>,
): Uint8Array => {
  const mac = createHmac('sha256', macKey);
  const part = (bytes: Uint8Array | string) => {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.byteLength);
    mac.update(length).update(data);
  };
  part(`phishx-item-v${envelope.format}`);
  for (const value of [location.tenant, location.table, location.pk, location.sk]) part(value);
  part(String(envelope.branchVersion));
  part(envelope.wrappedKey);
  for (const name of Object.keys(fields).sort()) {
    part(name);
    part(fields[name] as Uint8Array);
  }
  return new Uint8Array(mac.digest());
};

const assertSigned = (macKey: Uint8Array, location: ItemLocation, item: SealedItem): void => {
  const expected = signature(macKey, location, item, item.fields);
  if (expected.length !== item.signature.length || !timingSafeEqual(expected, item.signature)) {
    throw new ItemIntegrityError('The item signature does not match its contents');
  }
};

/** An item opened for reading and for adding sealed fields, e.g. a result written later. */
export interface OpenedItem {
  readonly fields: Readonly<Record<string, Uint8Array>>;
  /** Seals one more field for this item. */
  seal(field: string, plaintext: Uint8Array): Uint8Array;
  /** Opens a field sealed for this item (one not covered at open time, e.g. a later result). */
  open(field: string, sealed: Uint8Array): Uint8Array;
  /** The signature over a new set of sealed fields (after adding one). */
  sign(fields: Readonly<Record<string, Uint8Array>>): Uint8Array;
  /** Zeroes the keys. */
  close(): void;
}

export const sealItem = async (
  plaintextFields: Readonly<Record<string, Uint8Array>>,
  location: ItemLocation,
  ports: { readonly keyring: BranchKeyring; readonly random: RandomSource },
): Promise<SealedItem> => {
  const branch = await ports.keyring.active(location.tenant);
  const dataKey = ports.random.bytes(32);
  try {
    const keys = deriveKeys(dataKey);
    const wrappedKey = sealField(
      dataKey,
      branch.key,
      dataKeyLocation(location, branch.version),
      ports.random,
    );
    const fields = Object.fromEntries(
      Object.entries(plaintextFields).map(([name, value]) => [
        name,
        sealField(value, keys.fieldKey, fieldLocation(location, name), ports.random),
      ]),
    );
    const envelope = { format: itemFormatVersion, branchVersion: branch.version, wrappedKey };
    const signed = { ...envelope, fields, signature: signature(keys.macKey, location, envelope, fields) };
    ports.keyring.observer.fieldOperations(Object.keys(fields).length + 1);
    keys.fieldKey.fill(0);
    keys.macKey.fill(0);
    return signed;
  } finally {
    dataKey.fill(0);
  }
};

const unwrapDataKey = async (item: ItemEnvelope, location: ItemLocation, keyring: BranchKeyring) => {
  if (item.format !== itemFormatVersion) throw new ItemIntegrityError('The item is in an unknown format');
  const branch = await keyring.version(location.tenant, item.branchVersion);
  try {
    return openField(item.wrappedKey, branch.key, dataKeyLocation(location, item.branchVersion));
  } catch {
    throw new ItemIntegrityError('The item key does not belong here');
  }
};

/** Verifies the signature over the sealed fields, then decrypts them. */
export const openItem = async (
  item: SealedItem,
  location: ItemLocation,
  ports: { readonly keyring: BranchKeyring; readonly random: RandomSource },
): Promise<OpenedItem> => {
  try {
    return await openVerified(item, location, ports);
  } catch (error) {
    ports.keyring.observer.decryptFailure();
    throw error;
  }
};

const openVerified = async (
  item: SealedItem,
  location: ItemLocation,
  ports: { readonly keyring: BranchKeyring; readonly random: RandomSource },
): Promise<OpenedItem> => {
  const dataKey = await unwrapDataKey(item, location, ports.keyring);
  const keys = deriveKeys(dataKey);
  dataKey.fill(0);
  const close = () => {
    keys.fieldKey.fill(0);
    keys.macKey.fill(0);
  };
  try {
    assertSigned(keys.macKey, location, item);
    const fields = Object.fromEntries(
      Object.entries(item.fields).map(([name, sealed]) => [
        name,
        openField(sealed, keys.fieldKey, fieldLocation(location, name)),
      ]),
    );
    ports.keyring.observer.fieldOperations(Object.keys(fields).length + 1);
    return {
      fields,
      seal: (field, plaintext) => {
        ports.keyring.observer.fieldOperations(1);
        return sealField(plaintext, keys.fieldKey, fieldLocation(location, field), ports.random);
      },
      open: (field, sealed) => {
        ports.keyring.observer.fieldOperations(1);
        try {
          return openField(sealed, keys.fieldKey, fieldLocation(location, field));
        } catch (error) {
          ports.keyring.observer.decryptFailure();
          throw error;
        }
      },
      sign: (newFields) => signature(keys.macKey, location, item, newFields),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
};

/**
 * Re-wraps an item's data key under the tenant's newest branch key without decrypting any
 * field: for rotation. Answers the item unchanged when it is already on the newest version.
 */
export const rewrapItem = async (
  item: SealedItem,
  location: ItemLocation,
  ports: { readonly keyring: BranchKeyring; readonly random: RandomSource },
): Promise<SealedItem> => {
  const newest = await ports.keyring.active(location.tenant);
  if (item.branchVersion === newest.version) return item;
  const dataKey = await unwrapDataKey(item, location, ports.keyring).catch((error: unknown) => {
    ports.keyring.observer.decryptFailure();
    throw error;
  });
  try {
    const { fieldKey, macKey } = deriveKeys(dataKey);
    fieldKey.fill(0);
    try {
      assertSigned(macKey, location, item);
    } catch (error) {
      ports.keyring.observer.decryptFailure();
      throw error;
    }
    const wrappedKey = sealField(
      dataKey,
      newest.key,
      dataKeyLocation(location, newest.version),
      ports.random,
    );
    ports.keyring.observer.fieldOperations(2); // the data key unwrapped, and wrapped again
    const envelope = { format: itemFormatVersion, branchVersion: newest.version, wrappedKey };
    const resigned = {
      ...envelope,
      fields: item.fields,
      signature: signature(macKey, location, envelope, item.fields),
    };
    macKey.fill(0);
    return resigned;
  } finally {
    dataKey.fill(0);
  }
};
