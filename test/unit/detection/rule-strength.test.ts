/**
 * Where a rule grades its hit, the stronger reading must be the one that carries more evidence:
 * a fixture pair per graded rule, the stronger one first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateRules } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../fixtures/rules');

async function strengthOf(ruleId: string, fixture: string): Promise<number | undefined> {
  const email = await parseEmail(new Uint8Array(readFileSync(join(root, ruleId, fixture))));
  const hit = evaluateRules(email).find((o) => o.rule.id === ruleId)?.hit;
  return hit ? (hit.strength ?? 1) : undefined;
}

describe('graded rule hits', () => {
  it.each([
    // a call-back lure that borrows a brand the sender is not
    ['language.callback-scam', 'pos-borrowed-brand.eml', 'pos.eml'],
    ['language.callback-scam', 'pos-freemail.eml', 'pos.eml'],
    // a machine-made mailbox sending under a name its domain does not carry
    ['sender.generated-mailbox', 'pos.eml', 'pos-affiliate.eml'],
    // a web page served from a storage bucket, and a brand's own domain linking to a free host
    ['url.free-hosting', 'pos-bucket-page.eml', 'pos-azure-static.eml'],
    ['url.free-hosting', 'pos-brand-sender.eml', 'pos-azure-static.eml'],
    // a stranger's romance opener or an explicit solicitation, against an offer a business may make
    ['language.spam-offer', 'pos-romance-opener.eml', 'pos-bad-credit.eml'],
    ['language.spam-offer', 'pos.eml', 'pos-bad-credit.eml'],
    // dozens of words broken by invisible characters, against a few in the body
    ['html.invisible-characters', 'pos-many-words.eml', 'pos-few-words.eml'],
  ])('%s: %s weighs more than %s', async (ruleId, stronger, weaker) => {
    const strong = await strengthOf(ruleId, stronger);
    const weak = await strengthOf(ruleId, weaker);
    expect(weak).toBe(1);
    expect(strong).toBeGreaterThan(1);
  });

  it.each([
    // a form, file share or site builder: small organisations use them every day
    ['url.free-hosting', 'pos-google-form.eml', 'pos-azure-static.eml'],
    // DMARC failing for a domain whose owner only monitors (p=none), split over the receiver's headers
    ['sender.dmarc-fail', 'pos-policy-none.eml', 'pos-policy-reject.eml'],
    // asked to update a card at the sender's own site, with no link elsewhere (dunning mail)
    ['language.credential-request', 'pos-own-site.eml', 'pos.eml'],
    // a sign-up code: nowhere to type a password (no link, no attachment)
    ['language.credential-request', 'pos-nowhere-to-go.eml', 'pos.eml'],
  ])('%s: %s weighs less than %s', async (ruleId, weaker, ordinary) => {
    const weak = await strengthOf(ruleId, weaker);
    const usual = await strengthOf(ruleId, ordinary);
    expect(weak).toBeGreaterThan(0);
    expect(weak).toBeLessThan(usual ?? 0);
  });
});
