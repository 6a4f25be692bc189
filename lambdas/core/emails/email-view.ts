/** What `GET /v1/emails/{id}` answers: the analysis as the tenant may see it. */
import type { Finding, Verdict } from '../detection/analysis.ts';
import { notFound } from '../errors.ts';
import type { EmailRepository, EmailStatus } from '../ports.ts';
import { type CryptoPorts, openFindings } from './email-envelope.ts';

export interface EmailView {
  readonly id: string;
  readonly status: EmailStatus;
  readonly receivedAt: string;
  readonly verdict: Verdict | null;
  readonly score: number | null;
  readonly findings: readonly Finding[];
  readonly modelVersion: string | null;
  readonly analyzedAt: string | null;
  /** Why analysis failed, when `status` is `failed`. */
  readonly failureReason: string | null;
}

const emailNotFound = () => notFound('email_not_found', 'No email with this id exists for your tenant');

export const viewEmail = async (
  tenant: string,
  id: string,
  ports: { readonly emails: EmailRepository } & CryptoPorts,
): Promise<EmailView> => {
  // The tenant is part of the key: another tenant's id is simply not found.
  const stored = await ports.emails.get(tenant, id);
  if (!stored) throw emailNotFound();
  const result = stored.result;
  return {
    id: stored.id,
    status: stored.status,
    receivedAt: stored.receivedAt,
    verdict: result?.verdict ?? null,
    score: result?.score ?? null,
    findings: result ? await openFindings(stored, result.sealedFindings, ports) : [],
    modelVersion: result?.modelVersion ?? null,
    analyzedAt: result?.analyzedAt ?? null,
    failureReason: stored.failure?.reason ?? null,
  };
};
