/**
 * GDPR data-subject rights for one address in one tenant: access (Art. 15, an export of
 * everything held about it, decrypted) and erasure (Art. 17).
 *
 * What is held about an address: the emails it sent or received (found through the sender and
 * recipient beacons, then confirmed on the decrypted message, so a beacon collision never
 * exports or erases someone else's mail), the audit events it acted in, and the tenant's user
 * account of that name, if any.
 *
 * Erasure deletes each email with its beacon index entries in one transaction. Every email has
 * its own data key, held only inside the item, so deleting the item crypto-shreds its fields in
 * every region at once. Backups are the exception, and the answer says so: point-in-time
 * recovery keeps erased rows restorable until the backup horizon passes.
 */
import { type AuditEntry, type AuditTrail, auditRetentionDays } from '../audit/audit-trail.ts';
import { deleteTenantUser, type UserAdminPorts } from '../auth/users-admin.ts';
import { beacon, normaliseForBeacon } from '../crypto/beacons.ts';
import { type CryptoPorts, openEmail, openFindings } from '../emails/email-envelope.ts';
import type { ParsedEmail } from '../email/parsed-email.ts';
import type { Finding, Verdict } from '../detection/analysis.ts';
import { DomainError } from '../errors.ts';
import type { Clock, EmailRepository, EmailStatus, StoredEmail } from '../ports.ts';

/** The most emails one subject's search reads: far beyond one person's mail in 90 days' retention. */
export const maxSubjectEmails = 10_000;
/** Emails in one export page, and their decrypted size budget (a Lambda answer holds 6 MB). */
export const exportPageEmails = 50;
export const exportPageBytes = 4 * 1024 * 1024;
/** Emails one erase call deletes; the caller repeats the call until `complete` (idempotent). */
export const erasePageEmails = 200;

export type SubjectRole = 'sender' | 'recipient';

export interface ExportedEmail {
  readonly id: string;
  readonly receivedAt: string;
  readonly source: StoredEmail['source'];
  readonly status: EmailStatus;
  /** How the subject appears in it. */
  readonly roles: readonly SubjectRole[];
  /** The message as stored: every header, both bodies, the attachments' metadata. */
  readonly message: ParsedEmail;
  readonly analysis: {
    readonly verdict: Verdict;
    readonly score: number;
    readonly modelVersion: string;
    readonly analyzedAt: string;
    readonly findings: readonly Finding[];
  } | null;
}

export interface SubjectAccount {
  readonly username: string;
  readonly role: string;
  readonly disabled: boolean;
  readonly createdAt: string;
}

export interface SubjectExport {
  readonly subject: string;
  readonly generatedAt: string;
  readonly emails: readonly ExportedEmail[];
  /** On the first page only. */
  readonly auditEvents: readonly AuditEntry[];
  readonly account: SubjectAccount | null;
  /** Pass as `after` for the next page of emails; null on the last page. */
  readonly next: string | null;
}

export interface SubjectErasure {
  readonly subject: string;
  readonly erased: { readonly emails: number; readonly auditEvents: number; readonly account: boolean };
  /** False when more emails remain: call again (erasing is idempotent). */
  readonly complete: boolean;
  /** What still holds a trace, and until when. */
  readonly retained: {
    /** Point-in-time recovery keeps erased rows restorable this long... */
    readonly backupDays: number;
    /** ...so after this time no backup holds them. */
    readonly goneFromBackupsBy: string;
    /** The audit event of this erase names the subject by pseudonym only, and expires then. */
    readonly erasureRecord: { readonly pseudonym: string; readonly expiresBy: string };
  };
}

export interface DataSubjectPorts extends CryptoPorts {
  readonly emails: EmailRepository;
  readonly audit: Pick<AuditTrail, 'about' | 'remove' | 'record' | 'pseudonym'>;
  readonly users: UserAdminPorts['users'];
  readonly revocations: UserAdminPorts['revocations'];
  readonly clock: Clock;
  /** How long point-in-time recovery keeps deleted rows restorable. */
  readonly backupRetentionDays: number;
}

export interface Actor {
  readonly tenant: string;
  readonly subject: string;
  readonly sourceIp?: string;
}

/** Ids of the tenant's emails the address may appear in, newest first (beacon candidates). */
const candidateIds = async (tenant: string, address: string, ports: DataSubjectPorts): Promise<string[]> => {
  const key = await ports.keyring.beaconKey(tenant);
  if (!key) return [];
  const lists = await Promise.all(
    (['sender-address', 'recipient-address'] as const).map((kind) =>
      ports.emails.findByBeacon(tenant, beacon(key, kind, address), maxSubjectEmails),
    ),
  );
  // Ids are unique per email; the stored receivedAt orders them once loaded.
  return [...new Set(lists.flat())];
};

/** Opens a candidate and confirms on the decrypted message that the address is in it. */
const confirmed = async (
  stored: StoredEmail,
  wanted: string,
  ports: DataSubjectPorts,
): Promise<{
  stored: StoredEmail;
  roles: SubjectRole[];
  opened: Awaited<ReturnType<typeof openEmail>>;
} | null> => {
  const opened = await openEmail(stored, ports);
  const { from, to, cc, bcc } = opened.email;
  const roles: SubjectRole[] = [];
  if (normaliseForBeacon(from?.address ?? '') === wanted) roles.push('sender');
  if ([...to, ...cc, ...bcc].some((r) => normaliseForBeacon(r.address) === wanted)) roles.push('recipient');
  if (roles.length === 0) {
    opened.close();
    return null;
  }
  return { stored, roles, opened };
};

const accountOf = async (tenant: string, address: string, ports: DataSubjectPorts) => {
  // Usernames are stored lower-case (lambdas/auth/users.ts).
  const user = await ports.users.findByUsername(normaliseForBeacon(address));
  return user && user.tenant === tenant ? user : null;
};

const byNewest = (a: StoredEmail, b: StoredEmail) =>
  b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id);

/** Cursor: the last exported email's `receivedAt#id`; emails sort newest first. */
const cursorOf = (email: StoredEmail) => `${email.receivedAt}#${email.id}`;

export const exportSubject = async (
  actor: Actor,
  address: string,
  after: string | undefined,
  ports: DataSubjectPorts,
): Promise<SubjectExport> => {
  const wanted = normaliseForBeacon(address);
  const candidates: StoredEmail[] = [];
  for (const id of await candidateIds(actor.tenant, wanted, ports)) {
    const stored = await ports.emails.get(actor.tenant, id);
    // Gone (expired or erased) since the index was read, or on an earlier page.
    if (stored && (after === undefined || cursorOf(stored) < after)) candidates.push(stored);
  }
  candidates.sort(byNewest);

  const emails: ExportedEmail[] = [];
  let bytes = 0;
  let next: string | null = null;
  // The cursor is the last candidate this page covered (exported, or found not to be theirs).
  let covered: StoredEmail | undefined;
  for (const candidate of candidates) {
    if (covered && emails.length === exportPageEmails) {
      next = cursorOf(covered);
      break;
    }
    const found = await confirmed(candidate, wanted, ports);
    if (!found) {
      covered = candidate;
      continue;
    }
    const { stored, roles, opened } = found;
    const { email } = opened;
    opened.close();
    const result = stored.result;
    const exported: ExportedEmail = {
      id: stored.id,
      receivedAt: stored.receivedAt,
      source: stored.source,
      status: stored.status,
      roles,
      message: email,
      analysis: result
        ? {
            verdict: result.verdict,
            score: result.score,
            modelVersion: result.modelVersion,
            analyzedAt: result.analyzedAt,
            findings: await openFindings(stored, result.sealedFindings, ports),
          }
        : null,
    };
    const size = Buffer.byteLength(JSON.stringify(exported), 'utf8');
    // At least one email a page, however large.
    if (covered && bytes + size > exportPageBytes) {
      next = cursorOf(covered);
      break;
    }
    bytes += size;
    emails.push(exported);
    covered = candidate;
  }

  const firstPage = after === undefined;
  const account = firstPage ? await accountOf(actor.tenant, address, ports) : null;
  const answer: SubjectExport = {
    subject: address,
    generatedAt: ports.clock.now().toISOString(),
    emails,
    auditEvents: firstPage ? await ports.audit.about(actor.tenant, wanted) : [],
    account: account
      ? {
          username: account.username,
          role: account.role,
          disabled: account.disabled,
          createdAt: account.createdAt,
        }
      : null,
    next,
  };
  await ports.audit.record({
    tenant: actor.tenant,
    action: 'subject_exported',
    at: answer.generatedAt,
    actor: actor.subject,
    target: await ports.audit.pseudonym(actor.tenant, address),
    ...(actor.sourceIp !== undefined && { sourceIp: actor.sourceIp }),
  });
  return answer;
};

export const eraseSubject = async (
  actor: Actor,
  address: string,
  ports: DataSubjectPorts,
): Promise<SubjectErasure> => {
  const wanted = normaliseForBeacon(address);
  const now = ports.clock.now();
  // Checked before anything is erased: an admin cannot delete their own account.
  const user = await accountOf(actor.tenant, address, ports);
  if (user?.username === actor.subject) {
    throw new DomainError('conflict', 'cannot_erase_self', 'Ask another admin to erase your own data');
  }
  let emails = 0;
  let complete = true;
  for (const id of await candidateIds(actor.tenant, wanted, ports)) {
    if (emails === erasePageEmails) {
      complete = false;
      break;
    }
    const stored = await ports.emails.get(actor.tenant, id);
    const found = stored && (await confirmed(stored, wanted, ports));
    if (!found) continue; // gone since the index was read, or a beacon collision
    found.opened.close();
    if (await ports.emails.delete(found.stored)) emails += 1;
  }

  let auditEvents = 0;
  let account = false;
  if (complete) {
    const events = await ports.audit.about(actor.tenant, wanted);
    await ports.audit.remove(
      actor.tenant,
      events.map((event) => event.id),
    );
    auditEvents = events.length;
    if (user) {
      // Also revokes every token the account holds.
      await deleteTenantUser(actor, user.username, ports);
      account = true;
    }
  }

  const pseudonym = await ports.audit.pseudonym(actor.tenant, address);
  await ports.audit.record({
    tenant: actor.tenant,
    action: 'subject_erased',
    at: now.toISOString(),
    actor: actor.subject,
    target: pseudonym,
    ...(actor.sourceIp !== undefined && { sourceIp: actor.sourceIp }),
  });
  const daysLater = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
  return {
    subject: address,
    erased: { emails, auditEvents, account },
    complete,
    retained: {
      backupDays: ports.backupRetentionDays,
      goneFromBackupsBy: daysLater(ports.backupRetentionDays),
      erasureRecord: { pseudonym, expiresBy: daysLater(auditRetentionDays) },
    },
  };
};
