/**
 * Domain family: lookalikes of protected brands and of the tenant's own domains (confusable
 * skeletons per UTS #39, edit distance, punycode/IDN homographs), brands used as labels of an
 * unrelated domain, free tenant subdomains, and random-looking sender domains.
 */
import type { AnalysisContext } from '../analysis.ts';
import {
  brandOwning,
  brands,
  domainOf,
  freemail,
  isFreeTenantDomain,
  isIpHost,
  rootDomain,
  tldOf,
} from '../domains.ts';
import type { MessageView } from '../features.ts';
import { editDistance, punycodeToUnicode, skeleton } from '../normalise.ts';
import { maskEmail } from '../mask.ts';
import { defineRule, type Rule } from './rule.ts';
import { mixedCaseToken } from './sender.ts';

/** Brand domain labels that are ordinary words or too short to be distinctive. */
const GENERIC_LABELS = new Set(
  'gmail yahoo hotmail outlook icloud windows office online t-online booking orange ledger ripple canva steam chase visa target apple amazon otto lidl aldi zelle kraken temu shein hims crypto blockchain adobe zoom'.split(
    ' ',
  ),
);

/** Distinctive brand names that phishing embeds in other domains (paypal-secure.xyz). */
const EMBEDDED_BRANDS = [
  'paypal',
  'microsoft',
  'netflix',
  'amazon',
  'apple',
  'icloud',
  'docusign',
  'dropbox',
  'coinbase',
  'binance',
  'metamask',
  'wellsfargo',
  'bankofamerica',
  'americanexpress',
  'bradesco',
  'santander',
  'nubank',
  'correios',
  'mercadolivre',
  'linkedin',
  'facebook',
  'instagram',
  'whatsapp',
  'office365',
  'onedrive',
  'sharepoint',
  'fedex',
  'usps',
  'dhl',
  'wetransfer',
  'outlook',
  'hotmail',
  'itau',
  'caixa',
  'livelo',
  'sparkasse',
  'trustwallet',
  'blockchain',
  'ledger',
  'netflix',
  'spotify',
  'adobe',
  'microsoftonline',
  'appleid',
  'verizon',
  'xfinity',
  'walmart',
  'costco',
  'norton',
  'mcafee',
  'geeksquad',
  'booking',
  'airbnb',
  'steamcommunity',
  'roblox',
].map((label) => ({ label, skel: skeleton(label) }));

const distinctive = new Set(EMBEDDED_BRANDS.map((b) => b.label));

/** Protected names: the first label of each brand domain (paypal, microsoft, …), ≥ 5 letters. */
const protectedLabels: readonly { label: string; skel: string; root: string }[] = [
  ...new Map(
    brands.flatMap((b) =>
      // a brand's own top-level domain (apple) is not a name to imitate
      b.domains
        .filter((d) => d.includes('.'))
        .map((d) => {
          const root = rootDomain(d);
          const label = root.split('.')[0] ?? '';
          return [label, { label, skel: skeleton(label), root }] as const;
        }),
    ),
  ).values(),
].filter((p) => p.label.length >= 5 && !GENERIC_LABELS.has(p.label));

const allBrandRoots = new Set(brands.flatMap((b) => b.domains.map((d) => rootDomain(d))));

export interface Lookalike {
  readonly domain: string;
  readonly imitates: string;
  readonly how: string;
}

/** Whether a registrable domain imitates a protected one (and is not it). */
export function lookalikeOf(root: string, extra: readonly string[] = []): Lookalike | null {
  if (!root || isIpHost(root) || allBrandRoots.has(root) || freemail.has(root)) return null;
  const labelRaw = root.split('.')[0] ?? '';
  const label = labelRaw
    .split('.')
    .map((l) => punycodeToUnicode(l))
    .join('.');
  const skel = skeleton(label);
  const candidates = [
    ...protectedLabels,
    ...extra.map((d) => {
      const r = rootDomain(d.toLowerCase());
      const l = r.split('.')[0] ?? '';
      return { label: l, skel: skeleton(l), root: r };
    }),
  ];
  for (const p of candidates) {
    if (p.root === root) return null;
  }
  for (const p of candidates) {
    if (p.label.length < 4) continue;
    if (skel === p.skel && label !== p.label)
      return { domain: root, imitates: p.root, how: 'confusable skeleton' };
    if (label !== p.label && skel === p.skel) continue;
    if (p.label.length >= 6 && label !== p.label) {
      const d = editDistance(skel, p.skel, 2);
      if (d >= 1 && d <= (p.label.length >= 10 ? 2 : 1))
        return { domain: root, imitates: p.root, how: `edit distance ${d}` };
    }
    if (label === p.label && root !== p.root && !brandOwning(root) && distinctive.has(label)) {
      // same name under another suffix (paypal.com.co / paypal-secure.xyz handled below)
      return { domain: root, imitates: p.root, how: 'same name, other suffix' };
    }
  }
  return null;
}

const brandInDomainCache = new Map<string, { brand: string; host: string } | null>();

/** A brand name embedded as a label or hyphenated part of an unrelated domain (memoised per host). */
export function brandInDomain(host: string): { brand: string; host: string } | null {
  const cached = brandInDomainCache.get(host);
  if (cached !== undefined) return cached;
  const result = brandInDomainUncached(host);
  if (brandInDomainCache.size > 20_000) brandInDomainCache.clear();
  brandInDomainCache.set(host, result);
  return result;
}

function brandInDomainUncached(host: string): { brand: string; host: string } | null {
  const h = host.toLowerCase();
  const root = rootDomain(h);
  if (!root || allBrandRoots.has(root) || brandOwning(root)) return null;
  const parts = h
    .split('.')
    .slice(0, -1)
    .flatMap((p) => p.split('-'))
    .map((p) => skeleton(punycodeToUnicode(p)));
  for (const p of EMBEDDED_BRANDS) {
    if (parts.includes(p.skel)) return { brand: p.label, host: h };
    if (p.label.length >= 6 && parts.some((x) => x.length > p.skel.length && x.includes(p.skel)))
      return { brand: p.label, host: h };
  }
  return null;
}

const VOWELS = /[aeiouy]/;

/** Heuristic: a label that looks machine-generated (long consonant runs, digit mixes, no vowels). */
export function randomLooking(label: string): boolean {
  const l = label.toLowerCase();
  if (l.length < 8) return false;
  const letters = l.replace(/[^a-z]/g, '');
  const digits = l.replace(/[^0-9]/g, '').length;
  if (digits >= 5 && letters.length >= 4) return true;
  // Consonant runs are counted within each hyphen-separated word: "springfield-school" joins
  // "ld" and "sch" only on paper.
  let run = 0;
  let maxRun = 0;
  for (const ch of l) {
    run = ch >= 'a' && ch <= 'z' && !VOWELS.test(ch) ? run + 1 : 0;
    if (run > maxRun) maxRun = run;
  }
  const vowelRatio = letters.length ? letters.replace(/[^aeiouy]/g, '').length / letters.length : 0;
  return maxRun >= 5 || (letters.length >= 10 && vowelRatio < 0.2);
}

function senderDomains(v: MessageView): string[] {
  return [v.fromDomain, ...v.email.replyTo.map((r) => domainOf(r.address))].filter(Boolean);
}

export const domainRules: readonly Rule[] = [
  defineRule({
    id: 'domain.sender-lookalike',
    family: 'domain',
    severity: 'high',
    description: "The sender or reply-to domain imitates a protected brand's or the tenant's own domain.",
    weight: 2.2,
    evaluate: (v: MessageView, ctx: AnalysisContext) => {
      for (const d of senderDomains(v)) {
        const hit = lookalikeOf(rootDomain(d), ctx.tenantDomains ?? []);
        if (hit) return { evidence: `${hit.domain} imitates ${hit.imitates} (${hit.how})` };
      }
      return null;
    },
  }),
  defineRule({
    id: 'domain.link-lookalike',
    family: 'domain',
    severity: 'high',
    description: "A link points to a domain that imitates a protected brand's or the tenant's domain.",
    weight: 1.8,
    evaluate: (v, ctx) => {
      const seen = new Set<string>();
      for (const l of v.links) {
        if (!l.root || seen.has(l.root)) continue;
        seen.add(l.root);
        const hit = lookalikeOf(l.root, ctx.tenantDomains ?? []);
        if (hit) return { evidence: `${hit.domain} imitates ${hit.imitates} (${hit.how})` };
        if (seen.size > 40) break;
      }
      return null;
    },
  }),
  defineRule({
    id: 'domain.brand-in-domain',
    family: 'domain',
    severity: 'medium',
    description: 'A brand name is used as part of an unrelated sender or link domain (paypal.secure-x.com).',
    weight: 1.2,
    evaluate: (v) => {
      for (const d of senderDomains(v)) {
        const hit = brandInDomain(d);
        if (hit) return { evidence: `sender domain ${hit.host} uses "${hit.brand}"` };
      }
      const seen = new Set<string>();
      for (const l of v.links) {
        if (!l.host || seen.has(l.host)) continue;
        seen.add(l.host);
        const hit = brandInDomain(l.host);
        if (hit) return { evidence: `link host ${hit.host} uses "${hit.brand}"` };
        if (seen.size > 40) break;
      }
      return null;
    },
  }),
  defineRule({
    id: 'domain.sender-idn',
    family: 'domain',
    severity: 'medium',
    description: 'The sender domain is internationalised (punycode or non-ASCII), a homograph risk.',
    weight: 0.8,
    evaluate: (v) => {
      const d = v.fromDomain;
      return d && (d.split('.').some((p) => p.startsWith('xn--')) || /[^\u0020-\u007e]/.test(d))
        ? { evidence: `from domain ${d}` }
        : null;
    },
  }),
  defineRule({
    id: 'domain.free-tenant-sender',
    family: 'domain',
    severity: 'medium',
    description:
      'The sender uses a free tenant subdomain of a SaaS platform (x.onmicrosoft.com, x.zendesk.com).',
    weight: 1.0,
    evaluate: (v) =>
      isFreeTenantDomain(v.fromDomain) ? { evidence: `from ${maskEmail(v.from?.address ?? '')}` } : null,
  }),
  defineRule({
    id: 'domain.random-sender',
    family: 'domain',
    severity: 'low',
    description: 'The sender domain or mailbox name looks machine-generated.',
    weight: 0.7,
    evaluate: (v) => {
      if (!v.fromRoot || freemail.has(v.fromRoot)) {
        const local = (v.from?.address ?? '').split('@')[0] ?? '';
        return freemail.has(v.fromRoot) && randomLooking(local.replace(/[._-]/g, ''))
          ? { evidence: `mailbox ${maskEmail(v.from?.address ?? '')} looks generated`, strength: 0.7 }
          : null;
      }
      const label = v.fromRoot.split('.')[0] ?? '';
      // Domains are case-blind, but one written "zUkbxEQej.com" came out of a generator.
      const written = (v.from?.address ?? '').split('@')[1] ?? '';
      if (mixedCaseToken(written.split('.').at(-2) ?? ''))
        return { evidence: `domain ${v.fromRoot} is written in random mixed case` };
      const sub = v.fromDomain.slice(0, Math.max(0, v.fromDomain.length - v.fromRoot.length - 1));
      if (label.split('-').some((part) => randomLooking(part)))
        return { evidence: `domain ${v.fromRoot} looks generated` };
      if (sub && sub.split('.').some((s) => randomLooking(s) && s.length >= 12))
        return { evidence: `subdomain of ${v.fromRoot} looks generated`, strength: 0.6 };
      return null;
    },
  }),
  defineRule({
    id: 'domain.sender-abused-tld',
    family: 'domain',
    severity: 'low',
    description:
      'The sender domain sits on a top-level domain or second-level pseudo-TLD (sa.com, za.com) that throwaway senders favour.',
    weight: 0.7,
    evaluate: (v) => {
      const d = v.fromDomain;
      if (!d) return null;
      const pseudo = PSEUDO_TLD.exec(d);
      if (pseudo) return { evidence: `sender domain on the pseudo-TLD ${pseudo[1] ?? ''}` };
      const tld = tldOf(d);
      return SENDER_ABUSED_TLDS.has(tld) ? { evidence: `sender domain on .${tld}` } : null;
    },
  }),
  defineRule({
    id: 'domain.sender-many-labels',
    family: 'domain',
    severity: 'medium',
    description:
      'The sender domain is a long chain of labels (a.c.h.h.a.d.o.example.shop), typical of throwaway senders.',
    weight: 1.0,
    evaluate: (v) => {
      const labels = v.fromDomain.split('.');
      const single = labels.filter((l) => l.length === 1).length;
      return labels.length >= 6 || single >= 3
        ? { evidence: `${labels.length} labels in ${v.fromDomain.slice(-40)}` }
        : null;
    },
  }),
];

/** Second-level registries that sell subdomains of a .com/.net (CentralNic and the like). */
const PSEUDO_TLD = /\.((?:sa|za|it|de|us|uk|br|cn|ru|eu|jpn|gb|kr|in|mex|ae|se|no|hu|gr)\.(?:com|net))$/;

/**
 * TLDs whose registrations are mostly abuse (cheap bulk registrations): narrower than the link
 * list, because a sender domain is chosen once and legitimate brands sit on .com/.shop/.online too.
 */
const SENDER_ABUSED_TLDS = new Set(
  (
    'best beauty hair makeup skin autos boats yachts motorcycles homes mom lol cfd sbs cyou icu bond quest ' +
    'rest click buzz top tk ml ga cf gq zip mov cam monster'
  ).split(/\s+/),
);
