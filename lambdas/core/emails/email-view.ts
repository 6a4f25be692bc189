/**
 * What `GET /v1/emails/{id}` answers: the analysis, to every reader of the tenant; and the
 * message's envelope (who, to whom, what subject), decrypted, only to roles that investigate
 * mail (SOC analysts and admins). A mail gateway or a read-only dashboard needs the verdict,
 * not the people.
 */
import type { Finding, Verdict } from '../detection/analysis.ts';
import type { Attachment, ParsedEmail } from '../email/parsed-email.ts';
import { notFound } from '../errors.ts';
import type { EmailRepository, EmailStatus } from '../ports.ts';
import { type CryptoPorts, openEmail, openFindings } from './email-envelope.ts';

/** Who wrote to whom about what, and what was attached: no bodies, no other headers. */
export type MessageSummary = Pick<
  ParsedEmail,
  'messageId' | 'date' | 'subject' | 'from' | 'sender' | 'replyTo' | 'returnPath' | 'to' | 'cc'
> & {
  readonly attachments: readonly Pick<
    Attachment,
    'filename' | 'declaredType' | 'sniffedType' | 'size' | 'sha256'
  >[];
};

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
  /** Present only when asked for (`includeMessage`). */
  readonly message?: MessageSummary;
}

const summary = async (
  stored: Parameters<typeof openEmail>[0],
  ports: CryptoPorts,
): Promise<MessageSummary> => {
  const opened = await openEmail(stored, ports);
  opened.close();
  const { messageId, date, subject, from, sender, replyTo, returnPath, to, cc, attachments } = opened.email;
  return {
    messageId,
    date,
    subject,
    from,
    sender,
    replyTo,
    returnPath,
    to,
    cc,
    attachments: attachments.map(({ filename, declaredType, sniffedType, size, sha256 }) => ({
      filename,
      declaredType,
      sniffedType,
      size,
      sha256,
    })),
  };
};

const emailNotFound = () => notFound('email_not_found', 'No email with this id exists for your tenant');

export const viewEmail = async (
  tenant: string,
  id: string,
  ports: { readonly emails: EmailRepository } & CryptoPorts,
  options: { readonly includeMessage?: boolean } = {},
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
    ...(options.includeMessage && { message: await summary(stored, ports) }),
  };
};
