import { describe, expect, it } from 'vitest';
import { maskEmailAddress, maskPersonalData } from '#core/privacy/mask.ts';

describe('maskPersonalData', () => {
  it('masks the local part of every address and keeps the domain', () => {
    expect(maskPersonalData('From Jane <jane.doe@example.com>, cc bob+x@mail.example.org')).toBe(
      'From Jane <j***@example.com>, cc b***@mail.example.org',
    );
  });

  it('masks internationalised addresses', () => {
    expect(maskPersonalData('écrire à josé@exemple.fr')).toBe('écrire à j***@exemple.fr');
  });

  it('masks card, phone and IBAN numbers', () => {
    expect(maskPersonalData('card 4111 1111 1111 1111 tel +44 20 7946 0958')).toBe(
      'card [number] tel [number]',
    );
    expect(maskPersonalData('IBAN DE89 3704 0044 0532 0130 00 now')).toBe('IBAN [iban] now');
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
