/**
 * GDPR export and erase in the core, over in-memory ports: what the end-to-end test on the
 * local stack cannot easily stage — a beacon collision, an erase larger than one call, the
 * caller's own account.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import type { AuditEntry, AuditEvent } from '#core/audit/audit-trail.ts';
import type { UserAdminRepository } from '#core/auth/users-admin.ts';
import { DomainError } from '#core/errors.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { ingestEmail } from '#core/ingest/ingest-email.ts';
import type { UserRecord } from '#core/ports.ts';
import {
  type DataSubjectPorts,
  erasePageEmails,
  eraseSubject,
  exportPageEmails,
  exportSubject,
} from '#core/subjects/data-subjects.ts';
import { InMemoryEmails } from '../../support/in-memory-ports.ts';
import { memoryKeyring } from '../../support/memory-branch-keys.ts';

class MemoryUsers implements UserAdminRepository {
  readonly users = new Map<string, UserRecord>();
  async findByUsername(username: string) {
    return this.users.get(username) ?? null;
  }
  async createIfAbsent(user: UserRecord) {
    if (this.users.has(user.username)) return false;
    this.users.set(user.username, user);
    return true;
  }
  async listByTenant(tenant: string) {
    return [...this.users.values()].filter((user) => user.tenant === tenant);
  }
  async update() {}
  async delete(username: string) {
    this.users.delete(username);
  }
}

/** Records what the use cases tell the audit trail; finds nothing about anyone. */
class RecordingTrail {
  readonly recorded: AuditEvent[] = [];
  async record(event: AuditEvent) {
    this.recorded.push(event);
  }
  async about(): Promise<readonly AuditEntry[]> {
    return [];
  }
  async remove() {}
  async pseudonym(_tenant: string, address: string) {
    return `subj_${address.length}`;
  }
}

const actor = { tenant: 'acme', subject: 'dpo@acme.example' };
let emails: InMemoryEmails;
let users: MemoryUsers;
let trail: RecordingTrail;
let revoked: string[];
let ports: DataSubjectPorts;

const ingest = async (from: string, to: string, subject: string) =>
  (
    await ingestEmail(
      {
        tenant: 'acme',
        raw: new TextEncoder().encode(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nHello\r\n`),
        source: 'api',
        maxBytes: 1 << 20,
        retentionDays: 90,
      },
      { ...ports, parse: parseEmail, queue: { enqueue: async () => undefined } },
    )
  ).id;

beforeEach(() => {
  emails = new InMemoryEmails();
  users = new MemoryUsers();
  trail = new RecordingTrail();
  revoked = [];
  ports = {
    emails,
    audit: trail,
    users,
    revocations: { revokeSubject: async (_tenant, subject) => void revoked.push(subject) },
    keyring: memoryKeyring(),
    random: cryptoRandom,
    clock: systemClock,
    backupRetentionDays: 35,
  };
});

describe('data subjects', () => {
  it('never exports or erases mail a beacon collision brings up', async () => {
    const bystander = await ingest('someone@else.example', 'other@else.example', 'Not about the subject');
    // Every beacon lookup answers every email: as if the subject's beacons collided with all of them.
    const colliding = Object.assign(Object.create(emails) as InMemoryEmails, {
      findByBeacon: async () => [...emails.items.values()].map((email) => email.id),
    });
    const withCollisions = { ...ports, emails: colliding };

    const exported = await exportSubject(actor, 'subject@acme.example', undefined, withCollisions);
    expect(exported.emails).toEqual([]);
    const erased = await eraseSubject(actor, 'subject@acme.example', withCollisions);
    expect(erased.erased.emails).toBe(0);
    expect(await emails.get('acme', bystander)).not.toBeNull();
  });

  it('erases in calls of bounded size until complete, and says so', async () => {
    for (let i = 0; i <= erasePageEmails; i += 1)
      await ingest(`sender${i}@x.example`, 'target@acme.example', `n${i}`);
    const kept = await ingest('sender@x.example', 'someone@acme.example', 'kept');

    const first = await eraseSubject(actor, 'Target@Acme.example', ports);
    expect(first).toMatchObject({ complete: false, erased: { emails: erasePageEmails } });
    const second = await eraseSubject(actor, 'target@acme.example', ports);
    expect(second).toMatchObject({ complete: true, erased: { emails: 1 } });
    expect([...emails.items.values()].map((email) => email.id)).toEqual([kept]);
    expect(trail.recorded.filter((event) => event.action === 'subject_erased')).toHaveLength(2);
  });

  it('exports in pages, newest first, each email once, the cursor carrying on where a page ended', async () => {
    const ids: string[] = [];
    for (let i = 0; i < exportPageEmails + 5; i += 1) {
      ids.push(await ingest('news@shop.example', 'reader@acme.example', `issue ${i}`));
    }
    const first = await exportSubject(actor, 'reader@acme.example', undefined, ports);
    expect(first.emails).toHaveLength(exportPageEmails);
    expect(first.next).not.toBeNull();
    const second = await exportSubject(actor, 'reader@acme.example', first.next ?? undefined, ports);
    expect(second.emails).toHaveLength(5);
    expect(second.next).toBeNull();
    const exported = [...first.emails, ...second.emails];
    expect(new Set(exported.map((email) => email.id))).toEqual(new Set(ids));
    const times = exported.map((email) => `${email.receivedAt}#${email.id}`);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('exports the subject’s account with its mail, and erasing deletes the account and revokes its tokens', async () => {
    await users.createIfAbsent({
      username: 'analyst@acme.example',
      tenant: 'acme',
      role: 'soc_analyst',
      passwordHash: 'scrypt$secret',
      disabled: false,
      createdAt: '2026-11-01T00:00:00.000Z',
    });
    const id = await ingest('analyst@acme.example', 'boss@acme.example', 'Report');

    const exported = await exportSubject(actor, 'analyst@acme.example', undefined, ports);
    expect(exported.account).toEqual({
      username: 'analyst@acme.example',
      role: 'soc_analyst',
      disabled: false,
      createdAt: '2026-11-01T00:00:00.000Z',
    });
    expect(JSON.stringify(exported)).not.toContain('scrypt$secret');
    expect(exported.emails.map((email) => [email.id, email.roles, email.message.subject])).toEqual([
      [id, ['sender'], 'Report'],
    ]);

    const erased = await eraseSubject(actor, 'analyst@acme.example', ports);
    expect(erased.erased).toEqual({ emails: 1, auditEvents: 0, account: true });
    expect(await users.findByUsername('analyst@acme.example')).toBeNull();
    expect(revoked).toEqual(['analyst@acme.example']);
    // The audit record names the subject by pseudonym, not by address.
    expect(trail.recorded.map((event) => event.target)).toEqual(['subj_20', 'subj_20']);
  });

  it('refuses to erase the caller’s own account, before erasing anything', async () => {
    await users.createIfAbsent({
      username: 'dpo@acme.example',
      tenant: 'acme',
      role: 'admin',
      passwordHash: 'x',
      disabled: false,
      createdAt: '2026-11-01T00:00:00.000Z',
    });
    await ingest('dpo@acme.example', 'boss@acme.example', 'Mine');
    const refusal = eraseSubject(actor, 'dpo@acme.example', ports);
    await expect(refusal).rejects.toBeInstanceOf(DomainError);
    await expect(refusal).rejects.toMatchObject({ code: 'cannot_erase_self' });
    expect(emails.items.size).toBe(1);
  });
});
