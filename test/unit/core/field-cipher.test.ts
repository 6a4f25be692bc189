import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '#adapters/system.ts';
import {
  FieldDecryptionError,
  openField,
  openFields,
  sealField,
  sealFields,
} from '#core/crypto/field-cipher.ts';

const key = cryptoRandom.bytes(32);
const where = { tenant: 't1', record: 'email', id: 'e1', field: 'subject' };
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('field cipher', () => {
  it('round-trips a field and never stores the plaintext', () => {
    const sealed = sealField(Buffer.from('Your invoice is ready'), key, where, cryptoRandom);
    expect(Buffer.from(sealed).includes(Buffer.from('invoice'))).toBe(false);
    expect(text(openField(sealed, key, where))).toBe('Your invoice is ready');
  });

  it('uses a fresh IV each time, so equal plaintexts give different ciphertexts', () => {
    const a = sealField(Buffer.from('same'), key, where, cryptoRandom);
    const b = sealField(Buffer.from('same'), key, where, cryptoRandom);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it.each([
    ['another field', { ...where, field: 'sender' }],
    ['another item', { ...where, id: 'e2' }],
    ['another tenant', { ...where, tenant: 't2' }],
    ['another record kind', { ...where, record: 'user' }],
  ])('refuses a ciphertext moved to %s', (_, elsewhere) => {
    const sealed = sealField(Buffer.from('secret'), key, where, cryptoRandom);
    expect(() => openField(sealed, key, elsewhere)).toThrow(FieldDecryptionError);
  });

  it('refuses a tampered ciphertext and the wrong key', () => {
    const sealed = sealField(Buffer.from('secret'), key, where, cryptoRandom);
    const tampered = Uint8Array.from(sealed);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(() => openField(tampered, key, where)).toThrow(FieldDecryptionError);
    expect(() => openField(sealed, cryptoRandom.bytes(32), where)).toThrow(FieldDecryptionError);
  });

  it('refuses unknown formats and truncated input', () => {
    const sealed = sealField(Buffer.from('secret'), key, where, cryptoRandom);
    const otherVersion = Uint8Array.from(sealed);
    otherVersion[0] = 2;
    expect(() => openField(otherVersion, key, where)).toThrow(/known sealed format/);
    expect(() => openField(sealed.subarray(0, 10), key, where)).toThrow(FieldDecryptionError);
  });

  it('seals and opens a record field by field', () => {
    const record = { tenant: 't1', record: 'email', id: 'e9' };
    const sealed = sealFields({ a: Buffer.from('1'), b: Buffer.from('2') }, key, record, cryptoRandom);
    expect(Object.keys(sealed)).toEqual(['a', 'b']);
    const opened = openFields(sealed, key, record);
    expect(text(opened.a as Uint8Array)).toBe('1');
    expect(() => openFields({ a: sealed.b as Uint8Array }, key, record)).toThrow(FieldDecryptionError);
  });

  it('rejects a key of the wrong length', () => {
    expect(() => sealField(Buffer.from('x'), new Uint8Array(16), where, cryptoRandom)).toThrow(RangeError);
  });
});
