/**
 * In-memory stand-ins for the ports the SES inbound path uses, with the same contracts as the
 * DynamoDB adapters (conditional create, settle-once results). For unit tests and measurements;
 * the integration tests run the real adapters on DynamoDB Local.
 */
import { RawMailError } from '#core/ingest/raw-mail.ts';
import type { Beacon } from '#core/crypto/beacons.ts';
import type {
  AnalysisJob,
  AnalysisQueue,
  AuditEntry,
  AuditLog,
  DomainRepository,
  EmailRepository,
  RawMailStore,
  StoredEmail,
  StoredResult,
  TenantRecord,
  TenantRepository,
} from '#core/ports.ts';

export class InMemoryEmails implements EmailRepository {
  readonly items = new Map<string, StoredEmail>();
  private key = (tenant: string, id: string) => `${tenant}#${id}`;

  async createIfAbsent(email: StoredEmail) {
    const existing = this.items.get(this.key(email.tenant, email.id));
    if (existing) return { created: false as const, existing };
    this.items.set(this.key(email.tenant, email.id), email);
    return { created: true as const };
  }

  async findByBeacon(tenant: string, beacon: Beacon, limit: number) {
    return [...this.items.values()]
      .filter((email) => email.tenant === tenant)
      .filter((email) => email.beacons.some((b) => b.kind === beacon.kind && b.value === beacon.value))
      .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))
      .slice(0, limit)
      .map((email) => email.id);
  }

  async get(tenant: string, id: string) {
    return this.items.get(this.key(tenant, id)) ?? null;
  }

  async delete(email: StoredEmail) {
    return this.items.delete(this.key(email.tenant, email.id));
  }

  async markEnqueued(tenant: string, id: string) {
    const email = this.items.get(this.key(tenant, id));
    if (!email) throw new Error('no such email');
    this.items.set(this.key(tenant, id), { ...email, enqueued: true });
  }

  async recordResult(tenant: string, id: string, result: StoredResult) {
    const email = this.items.get(this.key(tenant, id));
    if (!email || email.status === 'analyzed') return false;
    this.items.set(this.key(tenant, id), { ...email, status: 'analyzed', result });
    return true;
  }

  async markFailed(tenant: string, id: string, reason: string, failedAt: string) {
    const email = this.items.get(this.key(tenant, id));
    if (!email || email.status === 'analyzed') return;
    this.items.set(this.key(tenant, id), { ...email, status: 'failed', failure: { reason, failedAt } });
  }
}

export class RecordingQueue implements AnalysisQueue {
  readonly jobs: AnalysisJob[] = [];
  async enqueue(job: AnalysisJob) {
    this.jobs.push(job);
  }
}

export class InMemoryDomains implements DomainRepository {
  constructor(readonly owners = new Map<string, string>()) {}
  async tenantFor(domain: string) {
    return this.owners.get(domain) ?? null;
  }
  async map(domain: string, tenant: string) {
    const owner = this.owners.get(domain);
    if (owner && owner !== tenant) return { takenBy: owner };
    this.owners.set(domain, tenant);
    return 'mapped' as const;
  }
}

export class InMemoryTenants implements TenantRepository {
  readonly items = new Map<string, TenantRecord>();
  async get(id: string) {
    return this.items.get(id) ?? null;
  }
  async createIfAbsent(tenant: TenantRecord) {
    if (this.items.has(tenant.id)) return false;
    this.items.set(tenant.id, tenant);
    return true;
  }
}

export class RecordingAudit implements AuditLog {
  readonly entries = new Map<string, AuditEntry>();
  async record(entry: AuditEntry) {
    this.entries.set(`${entry.kind}#${entry.dedupeKey}`, entry);
  }
}

/** Objects by key; `reads` counts reads, to prove a redelivery skips the object. */
export class InMemoryMailStore implements RawMailStore {
  readonly objects = new Map<string, Uint8Array>();
  reads = 0;
  async read(key: string, maxBytes: number) {
    this.reads += 1;
    const object = this.objects.get(key);
    if (!object)
      throw new RawMailError('mail_object_missing', 'No stored message under the key SES reported');
    if (object.byteLength > maxBytes) throw new RawMailError('mail_object_too_large', 'too large');
    return object;
  }
}
