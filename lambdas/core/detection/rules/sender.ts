/** Sender family: stated authentication results, alignment, display-name deception. */
import {
  type Brand,
  brandOwning,
  brands,
  domainOf,
  freemail,
  isFreeTenantDomain,
  rootDomain,
} from '../domains.ts';
import { maskEmail, maskText } from '../mask.ts';
import { foldText } from '../normalise.ts';
import type { MessageView } from '../features.ts';
import { defineRule, type Rule } from './rule.ts';

/** The brand a piece of folded text names, if any. */
export function brandNamedIn(folded: string): Brand | undefined {
  return brandsNamedIn(folded)[0];
}

/**
 * Brand names that are also ordinary words or first names (Orange, Otto, UPS, Ledger, Slack…):
 * they count only next to a service word ("UPS Delivery", "Orange Service client").
 */
const AMBIGUOUS_TERMS = new Set(
  'orange|otto|ups|aaa|ledger|ripple|tether|slack|stripe|kraken|temu|hims|evri|gls|dpd|telekom|visa card|chase bank|target circle|steam community|zoom meeting|zoom video|canva|edeka|lidl|aldi|shein|amex|ing diba|ing-diba|celsius network|exodus wallet|jira|confluence|github|outlook|discord|allegro|desjardins'.split(
    '|',
  ),
);
const SERVICE_WORDS =
  /\b(support|service|services|team|delivery|notification|notifications|account|accounts|security|billing|no-?reply|express|customer|alert|alerts|info|center|centre|help|shipping|tracking|parcel|package|wallet|pay|payments?|online|kundenservice|atendimento|suporte|servicio|client)\b/;

const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

/**
 * Brand terms by their first (up to) three characters. A term is named only where a word starts
 * (the text before it is not a letter or digit), so each word start is looked up instead of
 * searching the text for every one of some 400 terms.
 */
const termsByStart = new Map<string, { brand: Brand; term: string }[]>();
for (const brand of brands)
  for (const term of brand.terms) {
    if (!isWordChar(term.charCodeAt(0)))
      throw new Error(`brand term must start with a letter or digit: ${term}`);
    const key = term.slice(0, 3);
    const list = termsByStart.get(key);
    if (list) list.push({ brand, term });
    else termsByStart.set(key, [{ brand, term }]);
  }

/** Every brand a piece of folded text names, in the order of the brand list. */
export function brandsNamedIn(folded: string): Brand[] {
  if (!folded) return [];
  const named = new Set<Brand>();
  let serviceWords: boolean | undefined;
  for (let i = 0; i < folded.length; i++) {
    if (!isWordChar(folded.charCodeAt(i)) || (i > 0 && isWordChar(folded.charCodeAt(i - 1)))) continue;
    for (let len = 1; len <= 3; len++) {
      for (const { brand, term } of termsByStart.get(folded.slice(i, i + len)) ?? []) {
        if (named.has(brand) || !folded.startsWith(term, i)) continue;
        const end = i + term.length;
        if (end < folded.length && isWordChar(folded.charCodeAt(end))) continue;
        if (AMBIGUOUS_TERMS.has(term) && !(serviceWords ??= SERVICE_WORDS.test(folded))) continue;
        named.add(brand);
      }
    }
  }
  return named.size === 0 ? [] : brands.filter((b) => named.has(b));
}

/**
 * Ambiguous brand words that are not also common first names or ordinary words: a display name
 * that is nothing but the word ("Ledger", "Kraken", "Temu") names the brand.
 */
const ALONE_TERMS = new Set(
  'ledger|ripple|tether|kraken|temu|hims|evri|gls|dpd|telekom|canva|edeka|lidl|aldi|shein|amex|ups|aaa|coinbase'.split(
    '|',
  ),
);

/**
 * The brand a display name consists of alone (trademark signs and punctuation ignored), or with
 * nothing but a channel word around it ("Ledger News", "Ledger Live", "Tether Cashback", "Katie from
 * Ledger").
 */
export function brandAloneIn(folded: string): Brand | undefined {
  const bare = folded
    .replace(/[\u2122\u00ae\u00a9]|\b(tm|inc|ltd|official)\b/g, ' ')
    .replace(/[^a-z0-9&+ ]+/g, ' ')
    .replace(/^[a-z ]{0,30}\bfrom /, ' ')
    .replace(
      /\b(news|newsletter|team|support|secured?|security|solutions|cashback|updates?|wallet|hq|live|app)\b/g,
      ' ',
    )
    .replace(/\s+/g, ' ')
    .trim();
  if (!ALONE_TERMS.has(bare)) return undefined;
  return brands.find((br) => br.terms.includes(bare));
}

export const isBrandDomain = (brand: Brand, root: string): boolean =>
  brand.domains.some((d) => rootDomain(d) === root || d === root);

const fail = (v: string | null) => v === 'fail' || v === 'softfail' || v === 'hardfail';

export const senderRules: readonly Rule[] = [
  defineRule({
    id: 'sender.dmarc-fail',
    family: 'sender',
    severity: 'high',
    description: 'The receiving server states that DMARC failed for the From domain.',
    weight: 2.0,
    expertOnly: true,
    evaluate: (v) => {
      if (v.auth.dmarc !== 'fail') return null;
      // Under p=none the domain's owner only monitors: its own misaligned senders (an ESP, a list)
      // fail every day. Spoofing an enforcing domain is the stronger evidence.
      return v.auth.dmarcPolicy === 'none'
        ? { evidence: 'authentication-results: dmarc=fail (policy none)', strength: 0.5 }
        : { evidence: 'authentication-results: dmarc=fail' };
    },
  }),
  defineRule({
    id: 'sender.compauth-fail',
    family: 'sender',
    severity: 'medium',
    description: 'Microsoft composite authentication (compauth) states failure.',
    weight: 0.6,
    expertOnly: true,
    evaluate: (v) =>
      v.auth.compauth === 'fail' ? { evidence: 'authentication-results: compauth=fail' } : null,
  }),
  defineRule({
    id: 'sender.spf-fail',
    family: 'sender',
    severity: 'medium',
    description: 'SPF is stated as fail or softfail for the envelope sender.',
    weight: 0.5,
    expertOnly: true,
    evaluate: (v) => (fail(v.auth.spf) ? { evidence: `spf=${v.auth.spf}` } : null),
  }),
  defineRule({
    id: 'sender.dkim-fail',
    family: 'sender',
    severity: 'low',
    description: 'A DKIM signature is stated as failing verification.',
    weight: 0.4,
    expertOnly: true,
    evaluate: (v) => (v.auth.dkim === 'fail' ? { evidence: 'dkim=fail' } : null),
  }),
  defineRule({
    id: 'sender.ses-verdict-fail',
    family: 'sender',
    severity: 'high',
    description: 'Amazon SES states a spam or virus verdict of FAIL.',
    weight: 2.0,
    expertOnly: true,
    evaluate: (v) =>
      v.auth.sesVirus === 'fail'
        ? { evidence: 'x-ses-virus-verdict: FAIL', strength: 2 }
        : v.auth.sesSpam === 'fail'
          ? { evidence: 'x-ses-spam-verdict: FAIL' }
          : null,
  }),
  defineRule({
    id: 'sender.dmarc-pass-aligned',
    family: 'sender',
    severity: 'info',
    description:
      'DMARC passes and the verified domain is the From domain (reassuring, not proof). Not for free-mail ' +
      'providers or free SaaS tenants: there it proves only that someone signed up, which anyone can.',
    weight: -0.5,
    expertOnly: true,
    evaluate: (v) =>
      v.auth.dmarc === 'pass' &&
      v.fromRoot &&
      !freemail.has(v.fromRoot) &&
      !isFreeTenantDomain(v.fromDomain) &&
      // A domain that sends from throwaway mailboxes vouches for nobody in particular.
      generatedMailbox(v) === null &&
      // Passing DMARC as x.com while the name claims a brand proves the mismatch, not the brand.
      !impersonatedBrand(v) &&
      (!v.auth.headerFrom || rootDomain(v.auth.headerFrom) === v.fromRoot)
        ? { evidence: `dmarc=pass header.from=${v.fromRoot}` }
        : null,
  }),
  defineRule({
    id: 'sender.authenticated-brand',
    family: 'sender',
    severity: 'info',
    description:
      "DMARC (or an aligned DKIM signature) passes for a known brand's own domain: the brand really sent it.",
    weight: -2.5,
    expertOnly: true,
    evaluate: (v) => {
      if (!v.fromRoot || !brandOwning(v.fromRoot) || freemail.has(v.fromRoot)) return null;
      // "Jane (via Google Docs)": the platform relays what a third party wrote; the authentication
      // vouches for the platform, not for the content.
      if (RELAYED.test(v.displayName)) return null;
      const dmarc =
        v.auth.dmarc === 'pass' && (!v.auth.headerFrom || rootDomain(v.auth.headerFrom) === v.fromRoot);
      const dkim = v.auth.dkimPassDomains.some((d) => rootDomain(d) === v.fromRoot);
      return dmarc || dkim ? { evidence: `authenticated as ${v.fromRoot}` } : null;
    },
  }),
  defineRule({
    id: 'sender.reply-to-mismatch',
    family: 'sender',
    severity: 'low',
    description: 'Replies go to a different organisation than the From domain.',
    weight: 0.6,
    evaluate: (v) => {
      if (!v.fromRoot || !v.replyToRoots.length) return null;
      const other = v.replyToRoots.find((r) => r !== v.fromRoot && !freemail.has(r));
      return other ? { evidence: `from ${v.fromRoot}, reply-to ${other}` } : null;
    },
  }),
  defineRule({
    id: 'sender.reply-to-freemail',
    family: 'sender',
    severity: 'medium',
    description:
      'Replies go to a free-mail mailbox while From claims another domain, or to another free-mail mailbox than the free-mail sender.',
    weight: 1.4,
    evaluate: (v) => {
      const fromAddress = (v.from?.address ?? '').toLowerCase();
      const r = v.email.replyTo.find((a) => {
        const root = rootDomain(domainOf(a.address));
        if (!freemail.has(root)) return false;
        // Same provider: only a different mailbox diverts the answer (khadmau70@ → clcas655@gmail.com).
        return root !== v.fromRoot || (freemail.has(v.fromRoot) && a.address.toLowerCase() !== fromAddress);
      });
      if (!r) return null;
      // Between two free-mail boxes it is weaker evidence (people do this) than from an organisation.
      return {
        evidence: `reply-to ${maskEmail(r.address)} (free mail), from ${v.fromRoot || 'none'}`,
        strength: freemail.has(v.fromRoot) ? 0.5 : 1,
      };
    },
  }),
  defineRule({
    id: 'sender.display-name-brand',
    family: 'sender',
    severity: 'high',
    description: "The display name names a brand, but the address is not one of that brand's domains.",
    weight: 1.6,
    evaluate: (v) =>
      impersonatedBrand(v)
        ? { evidence: `display name "${maskText(v.displayName, 60)}" vs domain ${v.fromRoot}` }
        : null,
  }),
  defineRule({
    id: 'sender.display-name-address',
    family: 'sender',
    severity: 'medium',
    description: 'The display name contains an address or domain other than the real sender domain.',
    weight: 1.2,
    evaluate: (v) => {
      // An address in the display name ("service@paypal.com" <x@elsewhere>) or a URL-like host.
      const m =
        /@((?:[a-z0-9-]+\.)+[a-z]{2,})(?![a-z0-9])|(?:https?:\/\/|www\.)((?:[a-z0-9-]+\.)+[a-z]{2,})/i.exec(
          v.displayName,
        );
      const shownHost = m?.[1] ?? m?.[2];
      if (!shownHost || !v.fromRoot) return null;
      const shown = rootDomain(shownHost.toLowerCase());
      if (shown === v.fromRoot || !/\.[a-z]{2,}$/i.test(shown)) return null;
      // One company's other domain (Amazon.com from amazon.co.uk) is not deception.
      const owner = brandOwning(shown);
      if (owner && owner === brandOwning(v.fromRoot)) return null;
      return { evidence: `display name shows ${shown}, sent from ${v.fromRoot}` };
    },
  }),
  defineRule({
    id: 'sender.freemail-org-claim',
    family: 'sender',
    severity: 'medium',
    description: 'A free-mail sender whose display name claims an organisation, team or brand.',
    weight: 1.0,
    evaluate: (v) => {
      if (!freemail.has(v.fromRoot)) return null;
      // The provider's own mail ("Yahoo!News" from yahoo.com) is not a claim.
      const own = brandNamedIn(v.displayFolded);
      if (own && isBrandDomain(own, v.fromRoot)) return null;
      // A bare domain as the name ("ethereum.org" <x@icloud.com>) claims to be that organisation.
      const domain = BARE_DOMAIN.exec(v.displayName)?.[1];
      if (domain && rootDomain(domain.toLowerCase()) !== v.fromRoot)
        return { evidence: `"${maskText(v.displayName, 60)}" via ${v.fromRoot}` };
      const claims =
        /\b(team|support|service|services|security|account|accounts|billing|department|admin|administrator|helpdesk|help desk|customer|office|bank|payroll|hr|it desk|notification|no-?reply|suporte|atendimento|servico|kundenservice|soporte)\b/.test(
          v.displayFolded,
        ) || brandNamedIn(v.displayFolded);
      return claims ? { evidence: `"${maskText(v.displayName, 60)}" via ${v.fromRoot}` } : null;
    },
  }),
  defineRule({
    id: 'sender.from-malformed',
    family: 'sender',
    severity: 'medium',
    description:
      'The From header is missing or cannot be read as an address, or its domain is not a host name (forged quotes or braces, a bare name with no top-level domain).',
    weight: 0.8,
    evaluate: (v) => {
      const d = v.email.defects;
      if (d.includes('missing-from')) return { evidence: 'no From header' };
      if (d.includes('from-unparseable')) return { evidence: 'From is not a valid address', strength: 1.3 };
      if (d.includes('multiple-from')) return { evidence: 'several From headers' };
      if (d.includes('from-multiple-addresses')) return { evidence: 'From lists several addresses' };
      // Quotes, braces, commas or a trailing dot inside the address' domain: hand-forged headers
      // that no mail system writes ("no-reply@'brand.com", team@{brand.de}, x@brand.de.).
      const domain = (v.from?.address ?? '')
        .split('@')
        .slice(1)
        .join('@')
        .replace(/[>\s]+$/, '');
      if (domain && (/[^a-z0-9.\-[\]:]/i.test(domain) || /\.$/.test(domain)))
        return { evidence: `From domain "${maskText(domain, 40)}" is not a host name` };
      // A bare name with no top-level domain (atendimento@correios): no mail system on the internet
      // sends from one; clients show it as the brand. Unless the recipients share it (an intranet).
      const recipientDomains = [...v.email.to, ...v.email.cc].map((r) => domainOf(r.address).toLowerCase());
      if (
        domain &&
        !domain.includes('.') &&
        !domain.startsWith('[') &&
        !recipientDomains.includes(domain.toLowerCase())
      )
        return { evidence: `From domain "${maskText(domain, 40)}" has no top-level domain` };
      return null;
    },
  }),
  defineRule({
    id: 'sender.generated-mailbox',
    family: 'sender',
    // Medium: neither people nor mail systems write From mailboxes like uEMpslP@ (bounce
    // tokens live in Return-Path), so one alone weighs more than a vague low signal.
    severity: 'medium',
    description:
      'The sender mailbox is a machine-made token (uEMpslP@, Jane_Doe_48213@, NEWS_OFFRE_1@ on an organisation domain).',
    weight: 0.8,
    evaluate: (v) => {
      const why = generatedMailbox(v);
      if (!why) return null;
      // A machine-made mailbox under a name the domain does not carry ("Whooshie Care Team"
      // <eAVnpgV@eaux.smedialy.com>): a snowshoe sender borrowing an identity for one campaign.
      const borrowed = nameNotInDomain(v.displayFolded, v.fromDomain);
      return borrowed
        ? { evidence: `${why}, sending as "${maskText(v.displayName, 40)}"`, strength: 1.4 }
        : { evidence: why };
    },
  }),
  defineRule({
    id: 'sender.decorated-display-name',
    family: 'sender',
    severity: 'low',
    description:
      'The display name is decorated to dodge filters: filler symbols between words, a random tag after dots, a stray full stop.',
    weight: 0.7,
    evaluate: (v) => {
      const why = decoratedName(v.displayName);
      return why ? { evidence: `display name "${maskText(v.displayName, 60)}": ${why}` } : null;
    },
  }),
  defineRule({
    id: 'sender.display-name-lure',
    family: 'sender',
    severity: 'low',
    description:
      'The display name is a lure or an alarm, not a person or an organisation ("Free spin", "Payout verification", "Action Needed", "Pago rechazado").',
    weight: 0.7,
    evaluate: (v) => {
      const lure = displayNameLure(v.displayFolded) ?? displayNameLure(camelSplit(v.displayName));
      return lure ? { evidence: `display name "${maskText(v.displayName, 60)}" (${lure})` } : null;
    },
  }),
  defineRule({
    id: 'sender.return-path-mismatch',
    family: 'sender',
    severity: 'low',
    description:
      'The envelope sender (Return-Path) belongs to an unrelated organisation, not a known sending service.',
    weight: 0.3,
    evaluate: (v) => {
      const rp = v.returnPathRoot;
      if (!rp || !v.fromRoot || rp === v.fromRoot || SENDING_SERVICES.has(rp)) return null;
      if (brandOwning(rp) && brandOwning(rp) === brandOwning(v.fromRoot)) return null;
      return { evidence: `return-path ${rp}, from ${v.fromRoot}` };
    },
  }),
];

/** A display name that says the platform sends on someone else's behalf ("Jane (via Google Drive)"). */
const RELAYED = /\(via [^)]+\)|\svia\s+\S/i;

/** A bare domain name in a display name, on a suffix common enough to be meant as one. */
const BARE_DOMAIN =
  /(?:^|[\s"'(<[|])((?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|co|app|me|us|uk|de|fr|nl|es|it|br|in|ca|au|ru|xyz|online|shop|site|store|tech|ai))(?=$|[\s"')>\]|,:;!])/i;

/**
 * Why the sender mailbox is a machine-made token (uEMpslP@, Jane_Doe_48213@, NEWS_OFFRE_1@ on an
 * organisation domain), or null: mail systems and people keep one stable, readable mailbox.
 */
export function generatedMailbox(v: Pick<MessageView, 'from' | 'fromRoot'>): string | null {
  const local = (v.from?.address ?? '').split('@')[0] ?? '';
  if (!local || !v.fromRoot) return null;
  const shown = maskEmail(v.from?.address ?? '');
  if (/^news?_offre/i.test(local)) return `mailbox ${shown} is an affiliate-kit token`;
  // Firstname_Lastname_12345 at an organisation: people's mailboxes at a company don't look
  // like that (at a free-mail provider they may).
  if (!freemail.has(v.fromRoot) && /^[a-z]{2,}_[a-z]{2,}_\d{3,}$/i.test(local))
    return `mailbox ${shown} is a name-and-number token`;
  return mixedCaseToken(local) ? `mailbox ${shown} is a random mixed-case token` : null;
}

const NAME_FILLER = new Set(
  'team care info information news newsletter support service services customer customers official the and from for of your our mail deals offers update updates'.split(
    ' ',
  ),
);

/** The display name's own words (4+ letters, not "team" or "support") appear nowhere in the domain. */
export function nameNotInDomain(displayFolded: string, domain: string): boolean {
  const host = domain.replace(/[^a-z0-9]/g, '');
  const words = (displayFolded.match(/[a-z0-9]{4,}/g) ?? []).filter((w) => !NAME_FILLER.has(w));
  return words.length > 0 && !words.some((w) => host.includes(w));
}

/**
 * The brand the display name claims when the address is not one of its domains ("Ledger"
 * <noreply@aerosimple.com>), or undefined. A sender that is itself some other known brand
 * mentioning a partner is not deception.
 */
export function impersonatedBrand(
  v: Pick<MessageView, 'displayFolded' | 'displayName' | 'fromRoot'>,
): Brand | undefined {
  if (!v.fromRoot || !v.displayFolded) return undefined;
  const brand =
    brandNamedIn(v.displayFolded) ?? brandAloneIn(v.displayFolded) ?? brandNamedIn(camelSplit(v.displayName));
  if (!brand || isBrandDomain(brand, v.fromRoot) || brandOwning(v.fromRoot)) return undefined;
  // "Amazon Benefits at Fidelity" from fidelity.com: the sender names itself beside the client it
  // serves. Its own name must be a plain word of the display name, not a service word, and not
  // carry the brand ("Netflix" from netflixsupport.com still poses).
  const own = v.fromRoot.split('.')[0] ?? '';
  if (
    /^[a-z]{4,}$/.test(own) &&
    !SERVICE_WORDS.test(own) &&
    !brand.terms.some((t) => own.includes(t.replace(/[^a-z]/g, ''))) &&
    new RegExp(`\\b${own}\\b`).test(v.displayFolded)
  )
    return undefined;
  return brand;
}

/** "LibertyMutualTeam" → "liberty mutual team": brand names glued into one CamelCase word. */
export function camelSplit(name: string): string {
  if (!/[a-z][A-Z]/.test(name)) return '';
  return foldText(name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[\u2122\u2120\u00ae\u00a9]/g, ' '));
}

/**
 * A mailbox of 5–16 letters in random mixed case (uEMpslP, JndLebIg, MdEDLOOsJ): mail systems
 * and people write mailboxes in lower case or as CamelCase words (DoNotReply, JohnSmith).
 */
export function mixedCaseToken(local: string): boolean {
  if (!/^[A-Za-z]{5,16}\d{0,3}$/.test(local)) return false;
  const s = local.replace(/\d+$/, '').replace(/^Ma?c(?=[A-Z])/, '');
  if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || s === s.toUpperCase()) return false;
  // CamelCase words: every capital starts a chunk of 2+ letters with a vowel (an acronym may
  // lead its word: NLNieuws; a lone leading vowel is a prefix: iCloud, eBay).
  const chunks = s.match(/[A-Z]+[a-z]*|[a-z]+/g) ?? [];
  const word = (c: string, i: number) =>
    /[aeiouy]/i.test(c) && (c.length >= 2 || (i === 0 && /^[aeiou]$/.test(c)));
  return !chunks.every(word);
}

/** Abbreviations a display name may end on with a dot. */
const NAME_ABBREVIATIONS =
  /\b(inc|co|corp|ltd|llc|plc|jr|sr|dr|st|bros|etc|assoc|dept|intl|sa|ag|bv|nv|com|org|net|av|cia|ltda|esq|ph\.d|m\.d|[a-z])\.$/i;

/**
 * What decorates a display name the way filter-evading kits do, or null: filler symbols between
 * words (_C0NSUMER__REWARDS__, *Thank_You#, \\|BANK|/), a trailing random tag after dots
 * (OnlineSecurity...grEy), or a full stop after an ordinary word ("Real Home Coverage.").
 */
export function decoratedName(name: string): string | null {
  const n = name.trim();
  if (!n || n.includes('@')) return null;
  // A pipe between spaced words is an ordinary separator ("Acme | Billing"); glued to a word it is filler.
  const fillers = (n.match(/[_*#\\`~^]/g) ?? []).length + (n.match(/\S\|\S/g) ?? []).length;
  if (fillers >= 2 && /[a-z]{2}/i.test(n)) return 'filler symbols between words';
  if (/\.{2,}\s*[A-Za-z]{3,6}\s*$/.test(n) && /[a-z][A-Z]|[A-Z][a-z]/.test(n.slice(-6)))
    return 'random tag after dots';
  if (/[a-z]{3,}[.]$/i.test(n) && !NAME_ABBREVIATIONS.test(n) && /\s/.test(n))
    return 'full stop after the name';
  // A ticket or protocol number in the sender name ("Time NU. Protocolo:7164942633959263").
  if (/\d{8,}/.test(n) && /[a-z]{2}/i.test(n)) return 'a long number in the name';
  return null;
}

/**
 * Lure words that name what a message dangles or threatens. An organisation signs with its name
 * and maybe a department ("Acme Billing", "Starbucks Rewards"); a sender named "Free spin",
 * "Your payout verification" or "Aprovado" is the pitch itself. "Rewards" is a loyalty programme's
 * name and not on the list ("Casino Rewards" counts for the casino).
 */
const DISPLAY_LURES: readonly [RegExp, string][] = [
  [
    /\b(winner|winners|you(?:'ve| have)? won|gewinner\w*|gewinn|ganador|ganhador|gagnant|vincitore|jackpot|lottery|loterie|loteria|sweepstakes?|giveaway|prize|premio)\b/,
    'prize',
  ],
  [
    /\b(casino|cassino|free ?spins?|spins|spins? gratis|bonus|bonos?|bonussen|willkommensbonus|welcome ?bonus|pramie\w*|belohnung\w*|recompensas?)\b/,
    'bonus',
  ],
  [/\b(claim|claims? assist|payout|cashback|gift|geschenk|cadeau|regalo|airdrop)\b/, 'payout'],
  [
    /\b(your|su|tu|votre|ihr|uw|sua|seu) (package|parcel|shipment|paquete|envio|colis|paket|pakket|encomenda|pacote)\b|\b(track ?(and|n)? ?trace|volgen ?(en)? ?trac\w*|sendungsverfolgung|rastreamento de (encomenda|objeto)s?)\b/,
    'parcel',
  ],
  // a sender called "Book Now" or "Claim Now" is a button, not an organisation
  [
    /^(?:(?:book|claim|shop|buy|order|act|apply|register|join|click|call|start|get it|try|reply) now|click here|learn more)$/,
    'call to action',
  ],
  [
    /\b(action (?:needed|required)|urgent|urgente|dringend|final notice|aviso final|verification|verifizierung|verificacao|verificacion)\b/,
    'alarm',
  ],
  [
    /\b(declined|rejected|suspended|rechazad[oa]|recusad[oa]|bloquead[oa]|abgelehnt|approved|aprovad[oa]|aprobad[oa]|congratulations?|felicitations|parabens|felicidades|gefeliciteerd|herzlichen gluckwunsch)\b/,
    'verdict',
  ],
];

export function displayNameLure(folded: string): string | null {
  if (!folded || folded.includes('@')) return null;
  // "PAYOUT_VERIFICATION", "_Su paquete ._": filler between words is a word break to a reader.
  const words = folded
    .replace(/[_*~|=+.\-\s]+/g, ' ')
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (const [re, concept] of DISPLAY_LURES) if (re.test(words)) return concept;
  return null;
}

/** Bulk-mail and transactional services whose bounce domains legitimately differ from From. */
const SENDING_SERVICES = new Set(
  (
    'sendgrid.net amazonses.com mailgun.org mailgun.net mcsv.net rsgsv.net mandrillapp.com sparkpostmail.com ' +
    'mktomail.com exacttarget.com salesforce.com hubspotemail.net hubspot.com cmail19.com cmail20.com ' +
    'createsend.com klaviyomail.com postmarkapp.com pm-bounces.com sendinblue.com brevo.com mailjet.com ' +
    'mailchimp.com mailchimpapp.net constantcontact.com ccsend.com intercom-mail.com customeriomail.com ' +
    'google.com googlegroups.com outlook.com protection.outlook.com zendesk.com freshdesk.com bounces.google.com ' +
    'emsend.com smtp.com socketlabs.com elasticemail.com mailerlite.com convertkit-mail.com substack.com'
  ).split(/\s+/),
);
