import { describe, expect, it } from 'vitest';
import { maskEmailAddress, maskPersonalData } from '#core/privacy/mask.ts';
import { findPersonalData, passesIbanCheck, passesLuhn } from '#core/privacy/personal-data.ts';

describe('maskPersonalData', () => {
  it('masks the local part of every address and keeps the domain', () => {
    expect(maskPersonalData('to jane.doe@example.com, cc bob+x@mail.example.org')).toBe(
      'to j***@example.com, cc b***@mail.example.org',
    );
  });

  it('masks internationalised addresses', () => {
    expect(maskPersonalData('écrire à josé@exemple.fr')).toBe('écrire à j***@exemple.fr');
  });

  it('masks the display names that address headers put before an address', () => {
    expect(maskPersonalData('From: Jane Doe <jane.doe@example.com>')).toBe('From: [name] <j***@example.com>');
    expect(maskPersonalData('To: "Müller, Jürgen" <jm@example.de>, Bob <b@example.org>')).toBe(
      'To: [name] <j***@example.de>, [name] <b***@example.org>',
    );
  });

  it('tells cards (Luhn), phones, IBANs (mod 97) and other long numbers apart, and masks them all', () => {
    expect(maskPersonalData('card 4111 1111 1111 1111 tel +44 20 7946 0958')).toBe('card [card] tel [phone]');
    expect(maskPersonalData('call (020) 7946 0958 or 555-123-4567')).toBe('call [phone] or [phone]');
    // 16 digits failing Luhn: not a card, still masked.
    expect(maskPersonalData('ref 4111 1111 1111 1112')).toBe('ref [number]');
    expect(maskPersonalData('IBAN DE89 3704 0044 0532 0130 00 now')).toBe('IBAN [iban] now');
    // Shaped like an IBAN, failing its check digits: a product code, left alone.
    expect(maskPersonalData('part AB12 CDEF GHIJ KLMN')).toBe('part AB12 CDEF GHIJ KLMN');
  });

  it('leaves dates and short numbers alone', () => {
    const text = 'Due 2026-11-23 or 23.11.2026, order 1234567, PIN 1234';
    expect(maskPersonalData(text)).toBe(text);
  });

  it('keeps the network of an IP address and drops the host', () => {
    expect(maskPersonalData('from 203.0.113.77 via 2001:db8:85a3:0:0:8a2e:370:7334')).toBe(
      'from 203.0.113.x via 2001:db8:85a3::x',
    );
  });

  it('leaves digits inside identifiers alone', () => {
    const id = 'email ef7dd9a6a6771c077169638cc142b60d, trace 1-5759e988-bd862e3fe1be46a994272793';
    expect(maskPersonalData(id)).toBe(id);
  });

  it('leaves ordinary text, short numbers and URLs without addresses alone', () => {
    const text = 'Invoice 2024-113 is due in 3 days: https://example.com/pay?id=42';
    expect(maskPersonalData(text)).toBe(text);
  });
});

describe('maskEmailAddress', () => {
  it('answers a fixed mask for something that is not an address', () => {
    expect(maskEmailAddress('not-an-address')).toBe('***');
    expect(maskEmailAddress('@example.com')).toBe('***');
  });
});

describe('findPersonalData', () => {
  it('names each kind with its span', () => {
    const text = 'Jane <j@example.com> paid with 5500 0000 0000 0004 from 198.51.100.23';
    expect(findPersonalData(text).map(({ kind, text: found }) => [kind, found])).toEqual([
      ['name', 'Jane'],
      ['email', 'j@example.com'],
      ['card', '5500 0000 0000 0004'],
      ['ip', '198.51.100.23'],
    ]);
  });

  it('checks Luhn and IBAN check digits', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesIbanCheck('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(passesIbanCheck('GB83 WEST 1234 5698 7654 32')).toBe(false);
  });
});
