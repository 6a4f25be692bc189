/**
 * SES inbound: one message SES received (and stored) for one or more envelope recipients.
 *
 * Each recipient's domain names a tenant; the message is ingested once per tenant through the
 * same use case as the HTTPS API (validate, parse, encrypt, conditional store, enqueue, outbox
 * flag), with source `ses` and SES's receipt verdicts. The email id derives from the SES message
 * id, so a redelivered event (Lambda async retries, a DLQ redrive) finds the stored email and
 * changes nothing — it is recognised before the raw message is even read.
 *
 * Mail for a domain no tenant owns is dropped: an audit entry (the domain and the SES message
 * id, never content) and a count, nothing stored. A missing, truncated or unreadable object is a
 * `RawMailError`, thrown so the delivery is retried and then dead-lettered, never dropped.
 */
import type { ReceiptVerdicts } from '../detection/analysis.ts';
import type { ParsedEmail } from '../email/parsed-email.ts';
import { isDomainError } from '../errors.ts';
import type { AuditLog, DomainRepository, EmailStatus, RawMailStore } from '../ports.ts';
import { type IngestPorts, ingestEmail, isSettled, sourceEmailId } from './ingest-email.ts';
import { assertCompleteMessage, RawMailError } from './raw-mail.ts';
import { recipientDomain } from './recipient-domains.ts';

/** What SES tells the function about one received message (from its Lambda action event). */
export interface SesDelivery {
  /** SES's unique id for the message; also the name of the stored object under the prefix. */
  readonly messageId: string;
  /** Envelope recipients this receipt rule matched (RCPT TO, so Bcc and forwarding included). */
  readonly recipients: readonly string[];
  readonly receipt: ReceiptVerdicts;
  /** Where SES's S3 action stored the raw message. */
  readonly objectKey: string;
}

export interface SesIngestPorts extends IngestPorts {
  readonly domains: DomainRepository;
  readonly audit: AuditLog;
  readonly mail: RawMailStore;
}

export interface SesIngestSettings {
  /** The largest message read; SES itself accepts up to 40 MB. */
  readonly maxBytes: number;
  readonly retentionDays: number;
}

export interface SesDelivered {
  readonly tenant: string;
  readonly id: string;
  readonly status: EmailStatus;
  readonly duplicate: boolean;
}

export interface SesIngestOutcome {
  readonly delivered: readonly SesDelivered[];
  /** Recipient domains no tenant owns: dropped, audited. */
  readonly unknownDomains: readonly string[];
  /** True when every tenant already had this message and the object was not read again. */
  readonly redelivery: boolean;
}

/** Tenants for the recipients' domains, each once, in a stable order; and the unknown domains. */
const resolveTenants = async (recipients: readonly string[], domains: DomainRepository) => {
  const unique = [...new Set(recipients.map(recipientDomain).filter((d): d is string => d !== null))].sort();
  const owners = await Promise.all(
    unique.map(async (domain) => [domain, await domains.tenantFor(domain)] as const),
  );
  return {
    tenants: [...new Set(owners.flatMap(([, tenant]) => (tenant ? [tenant] : [])))].sort(),
    unknownDomains: owners.flatMap(([domain, tenant]) => (tenant ? [] : [domain])),
  };
};

/** Domain errors of the shared ingest gate, restated as what they mean for a stored object. */
const asRawMailError = (error: unknown): unknown => {
  if (!isDomainError(error)) return error;
  if (error.code === 'email_too_large') return new RawMailError('mail_object_too_large', error.message);
  if (error.code === 'not_an_email' || error.code === 'empty_body') {
    return new RawMailError('mail_object_corrupt', 'The stored object is not an RFC 5322 message');
  }
  return error;
};

export const ingestSesDelivery = async (
  delivery: SesDelivery,
  settings: SesIngestSettings,
  ports: SesIngestPorts,
): Promise<SesIngestOutcome> => {
  const { tenants, unknownDomains } = await resolveTenants(delivery.recipients, ports.domains);
  const at = ports.clock.now().toISOString();
  for (const domain of unknownDomains) {
    await ports.audit.record({
      kind: 'ses_unknown_domain',
      at,
      dedupeKey: `${delivery.messageId}#${domain}`,
      details: { sesMessageId: delivery.messageId, domain },
    });
  }
  if (tenants.length === 0) return { delivered: [], unknownDomains, redelivery: false };

  // A redelivery: every tenant's email is stored and queued already. Skip the (up to 40 MB) read.
  const known = await Promise.all(
    tenants.map((tenant) => ports.emails.get(tenant, sourceEmailId(tenant, 'ses', delivery.messageId))),
  );
  if (known.every((email) => email !== null && isSettled(email))) {
    return {
      delivered: known.map((email) => ({
        tenant: email?.tenant ?? '',
        id: email?.id ?? '',
        status: email?.status ?? 'queued',
        duplicate: true,
      })),
      unknownDomains,
      redelivery: true,
    };
  }

  const raw = await ports.mail.read(delivery.objectKey, settings.maxBytes);
  assertCompleteMessage(raw);
  // Parse once, however many tenants receive it (a 25 MB message costs real time to parse).
  let parsed: Promise<ParsedEmail> | undefined;
  const parseOnce = (bytes: Uint8Array) => {
    if (bytes !== raw) return ports.parse(bytes);
    parsed ??= ports.parse(raw);
    return parsed;
  };

  const delivered: SesDelivered[] = [];
  // One tenant after another: memory stays that of one message, and a failure part-way leaves
  // the earlier tenants stored and queued, so the retry finds them settled and goes on.
  for (const tenant of tenants) {
    try {
      const result = await ingestEmail(
        {
          tenant,
          raw,
          source: 'ses',
          maxBytes: settings.maxBytes,
          retentionDays: settings.retentionDays,
          receipt: delivery.receipt,
          sourceMessageId: delivery.messageId,
        },
        { ...ports, parse: parseOnce },
      );
      delivered.push({ tenant, ...result });
    } catch (error) {
      throw asRawMailError(error);
    }
  }
  return { delivered, unknownDomains, redelivery: false };
};
