/** Sender family: stated authentication results, alignment, display-name deception. */
import { type Brand, brandOwning, brands, domainOf, freemail, rootDomain } from '../domains.ts';
import { maskEmail, maskText } from '../mask.ts';
import { defineRule, type Rule } from './rule.ts';

const termCache = new Map<string, RegExp>();
function termRegex(term: string): RegExp {
  let re = termCache.get(term);
  if (!re) {
    const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`(?:^|[^a-z0-9])${escaped}(?:$|[^a-z0-9])`);
    termCache.set(term, re);
  }
  return re;
}

/** The brand a piece of folded text names, if any. */
export function brandNamedIn(folded: string): Brand | undefined {
  return brandsNamedIn(folded)[0];
}

/**
 * Brand names that are also ordinary words or first names (Orange, Otto, UPS, Ledger, Slack…):
 * they count only next to a service word ("UPS Delivery", "Orange Service client").
 */
const AMBIGUOUS_TERMS = new Set(
  'orange|otto|ups|aaa|ledger|ripple|tether|slack|stripe|kraken|temu|hims|evri|gls|dpd|telekom|visa card|chase bank|target circle|steam community|zoom meeting|zoom video|canva|edeka|lidl|aldi|shein|amex|ing diba|ing-diba|celsius network|exodus wallet|jira|confluence|github|outlook'.split(
    '|',
  ),
);
const SERVICE_WORDS =
  /\b(support|service|services|team|delivery|notification|notifications|account|accounts|security|billing|no-?reply|express|customer|alert|alerts|info|center|centre|help|shipping|tracking|parcel|package|wallet|pay|payments?|online|kundenservice|atendimento|suporte|servicio|client)\b/;

/** Every brand a piece of folded text names. */
export function brandsNamedIn(folded: string): Brand[] {
  if (!folded) return [];
  return brands.filter((br) =>
    br.terms.some(
      (t) =>
        folded.includes(t) &&
        termRegex(t).test(folded) &&
        (!AMBIGUOUS_TERMS.has(t) || SERVICE_WORDS.test(folded)),
    ),
  );
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
    evaluate: (v) => (v.auth.dmarc === 'fail' ? { evidence: `authentication-results: dmarc=fail` } : null),
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
    description: 'DMARC passes and the verified domain is the From domain (reassuring, not proof).',
    weight: -1.0,
    expertOnly: true,
    evaluate: (v) =>
      v.auth.dmarc === 'pass' &&
      v.fromRoot &&
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
    description: 'Replies go to a free-mail mailbox while From claims another domain.',
    weight: 1.4,
    evaluate: (v) => {
      const r = v.email.replyTo.find((a) => {
        const root = rootDomain(domainOf(a.address));
        return freemail.has(root) && root !== v.fromRoot;
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
    evaluate: (v) => {
      const brand = brandNamedIn(v.displayFolded);
      if (!brand || !v.fromRoot) return null;
      if (isBrandDomain(brand, v.fromRoot)) return null;
      // A sender that is itself some other known brand mentioning a partner is not deception.
      if (brandOwning(v.fromRoot)) return null;
      return { evidence: `display name "${maskText(v.displayName, 60)}" vs domain ${v.fromRoot}` };
    },
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
    description: 'The From header is missing or cannot be read as an address.',
    weight: 0.8,
    evaluate: (v) => {
      const d = v.email.defects;
      if (d.includes('missing-from')) return { evidence: 'no From header' };
      if (d.includes('from-unparseable')) return { evidence: 'From is not a valid address', strength: 1.3 };
      if (d.includes('multiple-from')) return { evidence: 'several From headers' };
      if (d.includes('from-multiple-addresses')) return { evidence: 'From lists several addresses' };
      return null;
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
