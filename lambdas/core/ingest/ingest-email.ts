/**
 * Ingest: raw message in, queued analysis job out, exactly once per distinct message.
 *
 * The email id is derived from the tenant, the Message-ID and the content hash, so the same
 * message posted twice lands on the same item. The item is written first (conditionally) and
 * flagged `enqueued` only after the queue accepted the job: a crash between the two leaves an
 * item that the next post of the same message re-enqueues. Analysis is idempotent, so a job
 * that reaches the queue twice still produces one result.
 */
import { createHash } from 'node:crypto';
import type { BranchKeyring } from '../crypto/branch-keyring.ts';
import type { ReceiptVerdicts } from '../detection/analysis.ts';
import type { ParsedEmail } from '../email/parsed-email.ts';
import { sealEmail } from '../emails/email-envelope.ts';
import type {
  AnalysisQueue,
  Clock,
  EmailRepository,
  EmailSource,
  EmailStatus,
  RandomSource,
  StoredEmail,
} from '../ports.ts';
import { assertRawEmail } from './raw-message.ts';

export interface IngestPorts {
  readonly emails: EmailRepository;
  readonly queue: AnalysisQueue;
  readonly keyring: BranchKeyring;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly parse: (raw: Uint8Array) => Promise<ParsedEmail>;
}

export interface IngestRequest {
  readonly tenant: string;
  readonly raw: Uint8Array;
  readonly source: EmailSource;
  readonly maxBytes: number;
  readonly retentionDays: number;
  /** SES inbound: the receipt verdicts, stored with the email and handed to the analysis. */
  readonly receipt?: ReceiptVerdicts;
  /**
   * The delivering service's id for this message (the SES message id). When set, the email id
   * derives from it (see `sourceEmailId`) rather than from Message-ID and content, so a
   * redelivery is recognised before the message is even read.
   */
  readonly sourceMessageId?: string;
}

export interface IngestResult {
  readonly id: string;
  readonly status: EmailStatus;
  /** True when this message had been received before. */
  readonly duplicate: boolean;
}

export const emailId = (tenant: string, messageId: string | null, raw: Uint8Array): string => {
  const contentHash = createHash('sha256').update(raw).digest('hex');
  return createHash('sha256')
    .update([tenant, messageId ?? '', contentHash].join('\0'))
    .digest('hex')
    .slice(0, 32);
};

/** The email id of a message a service delivered under its own unique id (SES message id). */
export const sourceEmailId = (tenant: string, source: EmailSource, sourceMessageId: string): string =>
  createHash('sha256').update([tenant, source, sourceMessageId].join('\0')).digest('hex').slice(0, 32);

export const isEmailId = (value: string): boolean => /^[0-9a-f]{32}$/.test(value);

/** Queued for sure, or past the queue already: nothing left for ingest to do. */
export const isSettled = (email: StoredEmail): boolean => email.enqueued || email.status !== 'queued';

export const ingestEmail = async (request: IngestRequest, ports: IngestPorts): Promise<IngestResult> => {
  assertRawEmail(request.raw, request.maxBytes);
  const email = await ports.parse(request.raw);
  const id =
    request.sourceMessageId === undefined
      ? emailId(request.tenant, email.messageId, request.raw)
      : sourceEmailId(request.tenant, request.source, request.sourceMessageId);

  const known = await ports.emails.get(request.tenant, id);
  if (known && isSettled(known)) return { id, status: known.status, duplicate: true };

  let duplicate = known !== null;
  if (!known) {
    const sealed = await sealEmail(email, { tenant: request.tenant, id }, ports);
    const receivedAt = ports.clock.now();
    const outcome = await ports.emails.createIfAbsent({
      tenant: request.tenant,
      id,
      status: 'queued',
      source: request.source,
      receivedAt: receivedAt.toISOString(),
      expiresAt: Math.floor(receivedAt.getTime() / 1000) + request.retentionDays * 86_400,
      sizeBytes: request.raw.byteLength,
      enqueued: false,
      ...sealed,
      ...(request.receipt && { receipt: request.receipt }),
    });
    if (!outcome.created) {
      // A concurrent post of the same message won the race; it owns the enqueue.
      if (isSettled(outcome.existing)) return { id, status: outcome.existing.status, duplicate: true };
      duplicate = true;
    }
  }

  await ports.queue.enqueue({ tenant: request.tenant, id });
  await ports.emails.markEnqueued(request.tenant, id);
  return { id, status: 'queued', duplicate };
};
