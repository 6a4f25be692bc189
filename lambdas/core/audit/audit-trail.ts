/**
 * The tenant's audit trail: one append-only log of the security-relevant things that happen to
 * a tenant (sign-ins and sessions, user and client administration, data-subject export and
 * erase), newest first, kept 90 days,
 * read by the tenant's admins at GET /v1/audit.
 *
 * Who acted, from where and on whom are personal data, so they are sealed with the item
 * envelope (as emails are) and made filterable by beacons. What happened and when stay in
 * clear: they are what an admin filters on, and they say nothing about a person.
 */
import { type Beacon, beacon, normaliseForBeacon } from '../crypto/beacons.ts';
import type { BranchKeyring } from '../crypto/branch-keyring.ts';
import { type ItemEnvelope, type ItemLocation, openItem, sealItem } from '../crypto/item-envelope.ts';
import type { RandomSource } from '../ports.ts';
import { authEventTypes } from '../auth/audit.ts';
import { subjectPseudonym } from './subject-pseudonym.ts';

export const adminActions = [
  'user_created',
  'user_changed',
  'user_deleted',
  'client_created',
  'client_changed',
  'client_deleted',
] as const;

export const auditActions = [
  ...authEventTypes,
  ...adminActions,
  'subject_exported',
  'subject_erased',
] as const;
export type AuditAction = (typeof auditActions)[number];

export const isAuditAction = (value: string): value is AuditAction =>
  (auditActions as readonly string[]).includes(value);

/** How long audit events are kept (the table's TTL removes them after this). */
export const auditRetentionDays = 90;

export interface AuditEvent {
  readonly tenant: string;
  readonly action: AuditAction;
  /** ISO 8601. */
  readonly at: string;
  /** Who acted: a username or a client id. */
  readonly actor: string;
  /**
   * Whom it was done to, when not the actor. Data-subject events name the subject by its
   * pseudonym (see subject-pseudonym.ts), never by address: an erase must not leave behind a
   * record of the very address it erased.
   */
  readonly target?: string;
  readonly sourceIp?: string;
  /** A short, one-way name for a refresh session. */
  readonly session?: string;
}

/** What records events: the auth handlers and the GDPR handler depend on this much only. */
export interface AuditRecorder {
  record(event: AuditEvent): Promise<void>;
}

/** One stored event: the clear attributes, the beacons, the sealed personal fields. */
export interface SealedAuditEvent {
  readonly tenant: string;
  /** Sorts by time: `<at>#<random>`. */
  readonly id: string;
  readonly action: AuditAction;
  readonly at: string;
  readonly expiresAt: number;
  readonly actorBeacon: string;
  readonly targetBeacon?: string;
  readonly envelope: ItemEnvelope;
  readonly fields: Readonly<Record<string, Uint8Array>>;
}

export interface AuditQuery {
  /** ISO times, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly actions?: readonly AuditAction[];
  readonly actorBeacon?: string;
  readonly targetBeacon?: string;
  /** Continue after this event id (the `next` of the previous page). */
  readonly after?: string;
}

/** Where sealed events live (DynamoDB in AWS and locally): the tenant's own partition. */
export interface AuditStore {
  /** Fails rather than overwrite an existing event: append-only. */
  append(event: SealedAuditEvent): Promise<void>;
  /** Newest first; `next` is set when more events may match. */
  query(
    tenant: string,
    query: AuditQuery,
    limit: number,
  ): Promise<{ readonly events: readonly SealedAuditEvent[]; readonly next: string | null }>;
  /** For erasure only. */
  remove(tenant: string, ids: readonly string[]): Promise<void>;
}

export interface AuditFilter {
  readonly from?: string;
  readonly to?: string;
  readonly actions?: readonly AuditAction[];
  readonly actor?: string;
  /** A data subject's address: the export and erase events about it (by its pseudonym). */
  readonly subject?: string;
  readonly after?: string;
}

export type AuditEntry = Omit<AuditEvent, 'tenant'> & { readonly id: string };

const sealedFieldNames = ['actor', 'target', 'sourceIp', 'session'] as const;

const location = (tenant: string, id: string): ItemLocation => ({
  tenant,
  table: 'audit',
  pk: id,
  sk: 'event',
});

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

/** Beacon kinds of their own, so an actor's beacon never equals the same string's sender beacon. */
const actorBeacon = (key: Uint8Array, actor: string): Beacon => beacon(key, 'audit-actor', actor);
const targetBeacon = (key: Uint8Array, target: string): Beacon => beacon(key, 'audit-target', target);

export interface AuditTrailPorts {
  readonly store: AuditStore;
  readonly keyring: BranchKeyring;
  readonly random: RandomSource;
}

export class AuditTrail implements AuditRecorder {
  constructor(private readonly ports: AuditTrailPorts) {}

  async record(event: AuditEvent): Promise<void> {
    const id = `${event.at}#${Buffer.from(this.ports.random.bytes(6)).toString('hex')}`;
    const plaintext: Record<string, Uint8Array> = {};
    for (const name of sealedFieldNames) {
      const value = event[name];
      if (value !== undefined) plaintext[name] = utf8.encode(value);
    }
    const { fields, ...envelope } = await sealItem(plaintext, location(event.tenant, id), this.ports);
    const key = await this.beaconKey(event.tenant);
    await this.ports.store.append({
      tenant: event.tenant,
      id,
      action: event.action,
      at: event.at,
      expiresAt: Math.floor(Date.parse(event.at) / 1000) + auditRetentionDays * 86_400,
      actorBeacon: actorBeacon(key, event.actor).value,
      ...(event.target !== undefined && { targetBeacon: targetBeacon(key, event.target).value }),
      envelope,
      fields,
    });
  }

  /**
   * One page of the tenant's events, newest first, filtered and decrypted. Beacon matches are
   * confirmed on the decrypted value, so a beacon collision never reaches the answer.
   */
  async list(
    tenant: string,
    filter: AuditFilter,
    limit: number,
  ): Promise<{ readonly events: readonly AuditEntry[]; readonly next: string | null }> {
    const key = await this.ports.keyring.beaconKey(tenant);
    if (!key) return { events: [], next: null }; // nothing was ever recorded for the tenant
    const wantedActor = filter.actor === undefined ? undefined : normaliseForBeacon(filter.actor);
    const wantedTarget = filter.subject === undefined ? undefined : subjectPseudonym(key, filter.subject);
    const page = await this.ports.store.query(
      tenant,
      {
        ...(filter.from !== undefined && { from: filter.from }),
        ...(filter.to !== undefined && { to: filter.to }),
        ...(filter.actions !== undefined && { actions: filter.actions }),
        ...(filter.after !== undefined && { after: filter.after }),
        ...(wantedActor !== undefined && { actorBeacon: actorBeacon(key, wantedActor).value }),
        ...(wantedTarget !== undefined && { targetBeacon: targetBeacon(key, wantedTarget).value }),
      },
      limit,
    );
    const events: AuditEntry[] = [];
    for (const sealed of page.events) {
      const entry = await this.open(sealed);
      if (wantedActor !== undefined && normaliseForBeacon(entry.actor) !== wantedActor) continue;
      if (wantedTarget !== undefined && entry.target !== wantedTarget) continue;
      events.push(entry);
    }
    return { events, next: page.next };
  }

  /**
   * Every event the address acted in or was the target of (by address, not pseudonym): what a
   * data-subject export includes and an erase removes.
   */
  async about(tenant: string, address: string): Promise<readonly AuditEntry[]> {
    const key = await this.ports.keyring.beaconKey(tenant);
    if (!key) return [];
    const wanted = normaliseForBeacon(address);
    const found = new Map<string, AuditEntry>();
    for (const query of [
      { actorBeacon: actorBeacon(key, wanted).value },
      { targetBeacon: targetBeacon(key, wanted).value },
    ]) {
      let after: string | undefined;
      do {
        const page = await this.ports.store.query(tenant, { ...query, ...(after && { after }) }, 200);
        for (const sealed of page.events) {
          const entry = await this.open(sealed);
          const matches =
            normaliseForBeacon(entry.actor) === wanted ||
            (entry.target !== undefined && normaliseForBeacon(entry.target) === wanted);
          if (matches) found.set(entry.id, entry);
        }
        after = page.next ?? undefined;
      } while (after);
    }
    return [...found.values()].sort((a, b) => b.id.localeCompare(a.id));
  }

  async remove(tenant: string, ids: readonly string[]): Promise<void> {
    await this.ports.store.remove(tenant, ids);
  }

  /** The keyed pseudonym data-subject events name their subject by. */
  async pseudonym(tenant: string, address: string): Promise<string> {
    return subjectPseudonym(await this.beaconKey(tenant), address);
  }

  private async beaconKey(tenant: string): Promise<Uint8Array> {
    // The tenant's first branch key may not exist yet (an audit event before any email): make it.
    const key = (await this.ports.keyring.beaconKey(tenant)) ?? (await this.createBeaconKey(tenant));
    return key;
  }

  private async createBeaconKey(tenant: string): Promise<Uint8Array> {
    await this.ports.keyring.active(tenant);
    const key = await this.ports.keyring.beaconKey(tenant);
    if (!key) throw new Error('The tenant has no beacon key after creating its branch key');
    return key;
  }

  private async open(sealed: SealedAuditEvent): Promise<AuditEntry> {
    const item = await openItem(
      { ...sealed.envelope, fields: sealed.fields },
      location(sealed.tenant, sealed.id),
      this.ports,
    );
    try {
      const field = (name: (typeof sealedFieldNames)[number]) => text(item.fields[name]);
      const target = field('target');
      const sourceIp = field('sourceIp');
      const session = field('session');
      return {
        id: sealed.id,
        action: sealed.action,
        at: sealed.at,
        actor: field('actor') ?? '',
        ...(target !== undefined && { target }),
        ...(sourceIp !== undefined && { sourceIp }),
        ...(session !== undefined && { session }),
      };
    } finally {
      item.close();
    }
  }
}

/**
 * Records an event without failing the request it describes: an audit outage must not lock
 * everyone out. The failure goes to `onError` (logged and counted by the caller).
 */
export const recordAuditEvent = async (
  audit: AuditRecorder | undefined,
  event: AuditEvent,
  onError: (error: unknown) => void,
): Promise<void> => {
  if (!audit) return;
  try {
    await audit.record(event);
  } catch (error) {
    onError(error);
  }
};
