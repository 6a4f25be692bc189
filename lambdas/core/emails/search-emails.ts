/**
 * "Every mail from this sender": an equality search over encrypted emails. The beacon narrows
 * the candidates with no plaintext in the table; each candidate is then decrypted and compared
 * exactly, so beacon collisions never reach the answer.
 */
import { type EmailBeaconKind, beacon, normaliseForBeacon } from '../crypto/beacons.ts';
import type { Verdict } from '../detection/analysis.ts';
import type { EmailRepository, EmailStatus } from '../ports.ts';
import { type CryptoPorts, openEmail } from './email-envelope.ts';

export interface EmailSearch {
  readonly kind: EmailBeaconKind;
  readonly value: string;
}

export interface EmailSummary {
  readonly id: string;
  readonly status: EmailStatus;
  readonly receivedAt: string;
  readonly verdict: Verdict | null;
  readonly score: number | null;
}

/** Candidates read per search; false positives are rare (see beacons.ts), so this bounds work. */
export const maxSearchCandidates = 100;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export const searchEmails = async (
  tenant: string,
  search: EmailSearch,
  limit: number,
  ports: { readonly emails: EmailRepository } & CryptoPorts,
): Promise<EmailSummary[]> => {
  const key = await ports.keyring.beaconKey(tenant);
  if (!key) return []; // the tenant has never stored an email
  const wanted = normaliseForBeacon(search.value);
  const ids = await ports.emails.findByBeacon(
    tenant,
    beacon(key, search.kind, search.value),
    Math.min(limit * 2, maxSearchCandidates),
  );

  const matches: EmailSummary[] = [];
  for (const id of ids) {
    if (matches.length >= limit) break;
    const stored = await ports.emails.get(tenant, id);
    if (!stored) continue; // expired between the index read and now
    const opened = await openEmail(stored, ports);
    const { from, to, cc, bcc } = opened.email;
    opened.close();
    const sender = normaliseForBeacon(from?.address ?? '');
    const exact =
      search.kind === 'sender-address'
        ? sender === wanted
        : search.kind === 'sender-domain'
          ? sender.includes('@') && domainOf(sender) === wanted
          : [...to, ...cc, ...bcc].some((recipient) => normaliseForBeacon(recipient.address) === wanted);
    if (!exact) continue;
    matches.push({
      id: stored.id,
      status: stored.status,
      receivedAt: stored.receivedAt,
      verdict: stored.result?.verdict ?? null,
      score: stored.result?.score ?? null,
    });
  }
  return matches;
};
