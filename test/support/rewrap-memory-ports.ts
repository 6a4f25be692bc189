/**
 * In-memory stand-ins for the rotation job's ports, with the DynamoDB adapters' contracts: a
 * segmented scan with opaque cursors over email items and branch-key items, a conditional
 * envelope swap, and per-segment checkpoints that a later pass supersedes.
 */
import { createHash } from 'node:crypto';
import type { BranchKeyRecord } from '#core/crypto/branch-keyring.ts';
import type { ItemEnvelope } from '#core/crypto/item-envelope.ts';
import type { SealedFields } from '#core/ports.ts';
import type {
  EmailRef,
  RewrapCheckpoints,
  RewrapPage,
  RewrapPassInfo,
  RewrapPassState,
  RewrapSource,
  ScanCursor,
  ScanSegment,
  SegmentProgress,
} from '#core/rotation/rewrap-items.ts';

export interface MemoryEmailItem {
  readonly tenant: string;
  readonly id: string;
  envelope: ItemEnvelope;
  fields: SealedFields;
  /** Anything else the item holds (status, findings…): the job must never touch it. */
  other?: Record<string, unknown>;
}

type Entry = { readonly key: string } & (
  | { readonly kind: 'email'; readonly email: MemoryEmailItem }
  | { readonly kind: 'branch-key'; readonly tenant: string }
  | { readonly kind: 'malformed'; readonly ref: EmailRef }
);

const segmentOf = (key: string, total: number) =>
  createHash('sha256').update(key).digest().readUInt32BE(0) % total;

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

export class MemoryRewrapSource implements RewrapSource {
  readonly emails = new Map<string, MemoryEmailItem>();
  readonly malformed: EmailRef[] = [];
  scans = 0;
  writes = 0;
  /** Throws on the scan with this number (1-based), once: a crash mid-pass. */
  failOnScan?: number;
  /** Runs between the read and the conditional write of an item (a concurrent writer). */
  beforeWrite?: (ref: EmailRef) => void;

  constructor(
    /** The branch keys the scan also sees (as the table holds them). */
    private readonly branchKeys: { readonly records: ReadonlyMap<string, BranchKeyRecord> },
    readonly pageSize = 3,
  ) {}

  put(email: MemoryEmailItem): void {
    this.emails.set(`${email.tenant}#${email.id}`, email);
  }

  get(tenant: string, id: string): MemoryEmailItem {
    const email = this.emails.get(`${tenant}#${id}`);
    if (!email) throw new Error(`no email ${tenant}/${id}`);
    return email;
  }

  private entries(): Entry[] {
    const entries: Entry[] = [
      ...[...this.emails.values()].map((email) => ({
        key: `TENANT#${email.tenant}#EMAIL#${email.id}`,
        kind: 'email' as const,
        email,
      })),
      ...[...this.branchKeys.records.values()].map((record) => ({
        key: `TENANT#${record.tenant}/BRANCHKEY#${record.version}`,
        kind: 'branch-key' as const,
        tenant: record.tenant,
      })),
      ...this.malformed.map((ref) => ({
        key: `TENANT#${ref.tenant}#EMAIL#${ref.id}`,
        kind: 'malformed' as const,
        ref,
      })),
    ];
    // Code-unit order, like the cursor comparison below (branch keys, `/`, sort after emails, `#`).
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async scanPage(segment: ScanSegment, cursor: ScanCursor | null): Promise<RewrapPage> {
    this.scans += 1;
    if (this.failOnScan === this.scans) {
      this.failOnScan = undefined;
      throw new Error('ProvisionedThroughputExceededException (simulated)');
    }
    const after = cursor ? String(cursor.key) : '';
    const inSegment = this.entries().filter(
      (entry) => segmentOf(entry.key, segment.total) === segment.index && entry.key > after,
    );
    const page = inSegment.slice(0, this.pageSize);
    const last = page.at(-1);
    return {
      emails: page.flatMap((entry) =>
        entry.kind === 'email'
          ? [
              {
                tenant: entry.email.tenant,
                id: entry.email.id,
                envelope: entry.email.envelope,
                fields: entry.email.fields,
              },
            ]
          : [],
      ),
      malformed: page.flatMap((entry) => (entry.kind === 'malformed' ? [entry.ref] : [])),
      tenants: [...new Set(page.flatMap((entry) => (entry.kind === 'branch-key' ? [entry.tenant] : [])))],
      next: last && inSegment.length > page.length ? { key: last.key } : null,
    };
  }

  async replaceEnvelope(ref: EmailRef, expected: ItemEnvelope, next: ItemEnvelope): Promise<boolean> {
    this.beforeWrite?.(ref);
    const email = this.emails.get(`${ref.tenant}#${ref.id}`);
    if (
      !email ||
      email.envelope.branchVersion !== expected.branchVersion ||
      !sameBytes(email.envelope.signature, expected.signature)
    ) {
      return false;
    }
    this.writes += 1;
    email.envelope = { ...next };
    return true;
  }
}

export class MemoryRewrapCheckpoints implements RewrapCheckpoints {
  pass: RewrapPassInfo | null = null;
  readonly segments = new Map<number, { pass: number } & SegmentProgress>();
  saves = 0;

  async load(): Promise<RewrapPassState | null> {
    const pass = this.pass;
    if (!pass) return null;
    return {
      ...pass,
      segments: Array.from({ length: pass.totalSegments }, (_, index) => {
        const saved = this.segments.get(index);
        return saved && saved.pass === pass.pass
          ? { cursor: saved.cursor, done: saved.done }
          : { cursor: null, done: false };
      }),
    };
  }

  async startPass(pass: RewrapPassInfo, previous: number | null): Promise<boolean> {
    if ((this.pass?.pass ?? null) !== previous) return false;
    this.pass = pass;
    return true;
  }

  async saveSegment(pass: number, segment: number, progress: SegmentProgress): Promise<void> {
    const saved = this.segments.get(segment);
    if (saved && saved.pass > pass) return;
    this.saves += 1;
    this.segments.set(segment, { pass, ...progress });
  }
}
