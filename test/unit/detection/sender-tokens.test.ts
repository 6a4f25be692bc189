/** The mailbox and display-name heuristics behind sender.generated-mailbox and sender.decorated-display-name. */
import { decoratedName, mixedCaseToken } from '#core/detection/rules/sender.ts';
import { describe, expect, it } from 'vitest';

describe('mixedCaseToken', () => {
  it('flags random mixed-case mailboxes', () => {
    for (const m of ['uEMpslP', 'JndLebIg', 'MdEDLOOsJ', 'hCENlmyo', 'srWUViqS', 'DwAhOwx', 'VIMcD']) {
      expect(mixedCaseToken(m), m).toBe(true);
    }
  });
  it('leaves words, CamelCase, acronyms and prefixes alone', () => {
    for (const m of [
      'noreply',
      'DoNotReply',
      'JohnSmith',
      'NLNieuws',
      'NewsletterSOP',
      'iCloud',
      'McDonalds',
      'USPSInformeddelivery',
      'MSSecurity',
      'LinkedIn',
      'HelloFresh',
      'MyGEICO',
    ]) {
      expect(mixedCaseToken(m), m).toBe(false);
    }
  });
});

describe('decoratedName', () => {
  it('spots filler symbols, random tags and stray full stops', () => {
    expect(decoratedName('_C0NSUMER__REWARDS__')).not.toBeNull();
    expect(decoratedName('\\|BANCO*DO*BRASIL|/')).not.toBeNull();
    expect(decoratedName('OnlineSecurity...grEy')).not.toBeNull();
    expect(decoratedName('Protect My Home Plan.')).not.toBeNull();
  });
  it('accepts ordinary names, separators and abbreviations', () => {
    for (const n of [
      'Acme | Billing',
      'GitHub',
      "O'Reilly & Assoc.",
      'Example Widgets Inc.',
      'Dr. Jane Roe',
      'Amazon.com',
      'J. R. R. Tolkien',
      '',
    ]) {
      expect(decoratedName(n), n).toBeNull();
    }
  });
});
