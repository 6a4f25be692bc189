import { lookalikeOf, randomLooking, brandInDomain } from '#core/detection/rules/domain.ts';
import { brandOwning, rootDomain, isIpHost } from '#core/detection/domains.ts';
import { maskEmail, maskText, maskUrl } from '#core/detection/mask.ts';
import {
  editDistance,
  foldText,
  homographRisk,
  punycodeToUnicode,
  skeleton,
} from '#core/detection/normalise.ts';
import { mixedScriptWords } from '#core/detection/rules/language.ts';
import { describe, expect, it } from 'vitest';

describe('normalisation', () => {
  it('folds case, accents, invisibles and confusables', () => {
    expect(foldText('Sénha')).toBe('senha');
    expect(foldText('Pa\u200bssword')).toBe('password');
    expect(foldText('ѕеnhа')).toBe('senha'); // Cyrillic lookalikes
    expect(foldText('ＰａｙＰａｌ')).toBe('paypal'); // fullwidth via NFKD
    expect(foldText('A\u073fc\u073fc\u073fo\u073fu\u073fn\u073ft')).toBe('account'); // Syriac marks stacked on Latin
    expect(foldText('\u0915\u093f\u0924\u093e\u092c')).toBe('\u0915\u093f\u0924\u093e\u092c'); // Devanagari keeps its vowel signs
  });

  it('builds UTS #39-style skeletons for domain labels', () => {
    expect(skeleton('paypa1')).toBe(skeleton('paypal'));
    expect(skeleton('rnicrosoft')).toBe(skeleton('microsoft'));
    expect(skeleton('аpple')).toBe(skeleton('apple'));
    expect(skeleton('g00gle')).toBe(skeleton('google'));
  });

  it('decodes punycode labels', () => {
    expect(punycodeToUnicode('xn--pple-43d')).toBe('аpple');
    expect(punycodeToUnicode('xn--mnchen-3ya')).toBe('münchen');
    expect(punycodeToUnicode('example')).toBe('example');
    expect(punycodeToUnicode('xn--!!!')).toBe('xn--!!!');
  });

  it('tells a homograph host from a name written natively', () => {
    for (const host of [
      '𝐚𝐦𝐚𝐳𝐨𝐧.de', // styled letters (compatibility characters)
      'ðpkbjetncx.example.net', // a Latin letter without an ASCII base
      'sıgn-in.example.com', // dotless i
      'pаypal.com', // Cyrillic а among Latin letters
      'xn--pple-43d.com', // the same, as Punycode
      'аррӏе.com', // only Cyrillic letters that look Latin
      'xn--b-123milhas-xbazskd3dq-uc.a.run.app', // an xn-- label that is not Punycode
      '✔️cloud.example.com', // symbols
    ])
      expect(homographRisk(host), host).toBe(true);
    for (const host of [
      'www.example.com',
      'www.ökoligenta.de',
      'xn--mnchen-3ya.de', // münchen
      'straße.de',
      'пример.рф',
      'банк-онлайн.рф',
      'тема.рф', // Cyrillic letters that only look Latin in capitals
      '例え.jp',
      'café.fr',
    ])
      expect(homographRisk(host), host).toBe(false);
  });

  it('computes bounded edit distance', () => {
    expect(editDistance('paypal', 'paypal')).toBe(0);
    expect(editDistance('paypal', 'paypa1')).toBe(1);
    expect(editDistance('microsoft', 'micorsoft')).toBe(2);
    expect(editDistance('a', 'abcdefgh', 3)).toBe(4);
  });

  it('finds mixed-script words', () => {
    expect(mixedScriptWords('Yоur Аmazon order')).toEqual(['Yоur', 'Аmazon']);
    expect(mixedScriptWords('Привет мир and hello')).toEqual([]);
  });
});

describe('domains', () => {
  it('finds registrable domains with multi-label suffixes and hosting platforms', () => {
    expect(rootDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(rootDomain('mail.example.com')).toBe('example.com');
    expect(rootDomain('x.y.bradesco.com.br')).toBe('bradesco.com.br');
    expect(rootDomain('evil.web.app')).toBe('evil.web.app');
    // generic second levels of country registries that the compact suffix list does not name
    expect(rootDomain('mail.essap.com.py')).toBe('essap.com.py');
    expect(rootDomain('www.sri.gob.ec')).toBe('sri.gob.ec');
    expect(rootDomain('news.example.de')).toBe('example.de');
    expect(rootDomain('203.0.113.9')).toBe('203.0.113.9');
    expect(isIpHost('203.0.113.9')).toBe(true);
  });

  it('knows which brand owns a domain', () => {
    expect(brandOwning('paypal.com')?.name).toBe('PayPal');
    expect(brandOwning('amazon.de')?.name).toBe('Amazon');
    expect(brandOwning('example.com')).toBeUndefined();
    // a brand domain that hands out names under it (a public suffix): its tenants are its service
    expect(rootDomain('zopao365.sharepoint.com')).toBe('zopao365.sharepoint.com');
    expect(brandOwning('zopao365.sharepoint.com')?.name).toBe('Microsoft');
    expect(brandOwning('sharepoint.com.example.net')).toBeUndefined();
    // a brand's own top-level domain, but not the bare name a forged From uses
    expect(brandOwning('applecard.apple')?.name).toBe('Apple');
    expect(brandOwning('apple')).toBeUndefined();
    expect(brandOwning('bradesco')).toBeUndefined();
  });

  it('detects lookalikes of brands and tenant domains, not the real ones', () => {
    expect(lookalikeOf('paypa1.com')?.imitates).toMatch(/^paypal\./);
    expect(lookalikeOf('xn--pple-43d.com')).toBeNull(); // 'apple' is too generic for skeleton-only matching
    expect(lookalikeOf('rnicrosoft.com')?.imitates).toBe('microsoft.com');
    expect(lookalikeOf('paypal.com')).toBeNull();
    expect(lookalikeOf('example.com')).toBeNull();
    expect(lookalikeOf('acrne-corp.com', ['acme-corp.com'])?.imitates).toBe('acme-corp.com');
    expect(lookalikeOf('acme-corp.com', ['acme-corp.com'])).toBeNull();
  });

  it('detects brands embedded in unrelated hosts', () => {
    expect(brandInDomain('paypal-secure.example.net')?.brand).toBe('paypal');
    expect(brandInDomain('www.paypal.com')).toBeNull();
    expect(brandInDomain('windowsdaily.example.com')).toBeNull();
  });

  it('flags machine-generated labels only', () => {
    expect(randomLooking('xkqzvtrplmw')).toBe(true);
    expect(randomLooking('gardenshop')).toBe(false);
    expect(randomLooking('2020tourism')).toBe(false);
  });
});

describe('masking', () => {
  it('masks addresses in evidence', () => {
    expect(maskEmail('john.doe@example.com')).toBe('j***@example.com');
    expect(maskText('mail john.doe@example.com now')).toBe('mail j***@example.com now');
    expect(maskUrl('https://x.example.net/login?user=john.doe@example.com&t=1')).toBe(
      'https://x.example.net/login?…',
    );
  });
});

describe('brand mentions', () => {
  it('needs a service word next to brand names that are ordinary words or first names', async () => {
    const { brandsNamedIn } = await import('#core/detection/rules/sender.ts');
    expect(brandsNamedIn('otto muller')).toEqual([]);
    expect(brandsNamedIn('orange county library')).toEqual([]);
    expect(brandsNamedIn('ups delivery').map((b) => b.name)).toEqual(['UPS']);
    expect(brandsNamedIn('paypal').map((b) => b.name)).toEqual(['PayPal']);
  });
});
