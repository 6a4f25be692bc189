/**
 * The rotation job: moves every stored email's data key to its tenant's newest branch key,
 * without decrypting a single field (`rewrapItem` unwraps the data key under the old version,
 * checks the item's signature, wraps the key under the new version and re-signs).
 *
 * - Idempotent: an item already on the newest version is counted and left untouched, and the
 *   write is conditional on the envelope the job read, so it never overwrites a concurrent
 *   writer (a lost condition counts as skipped).
 * - Resumable: the table is scanned in parallel segments, each with a cursor checkpointed after
 *   every page. A run that stops (its time budget, a crash) leaves the cursors where it got to;
 *   the next run resumes there. Once every segment of a pass is done, the next run starts a new
 *   pass from the beginning (it finds nothing to do unless keys rotated or old items arrived).
 *   A page interrupted half-way is scanned again on resume: its finished items are current.
 * - An item that fails its integrity check (or names a branch key that does not exist) is
 *   counted and reported by id, never by content, and the job carries on. Any other error
 *   (KMS, DynamoDB) stops the segment at its last checkpoint and fails the run loudly.
 *
 * Finding tenants: the scan returns email items and branch-key items (`TENANT#<t>` /
 * `BRANCHKEY#…`). The first time a run meets a tenant, by either, it rotates that tenant's
 * branch key if the key has reached the rotation period, before re-wrapping any of that
 * tenant's items. Branch-key items rather than tenant records: a tenant has something to
 * rotate exactly when it has a branch key (its first sealed item creates one), whoever created
 * it, and meeting tenants through the same scan costs no second pass over the table.
 */
import type { BranchKeyring, BranchKeyRepository } from '../crypto/branch-keyring.ts';
import {
  type ItemEnvelope,
  ItemIntegrityError,
  type ItemLocation,
  rewrapItem,
} from '../crypto/item-envelope.ts';
import type { Clock, RandomSource, SealedFields } from '../ports.ts';
import { emailLocation } from '../emails/email-envelope.ts';
import { branchKeyRotationPeriodDays, rotateIfDue } from './branch-key-rotation.ts';

/** Where a scan segment continues; opaque to the core (DynamoDB's LastEvaluatedKey). */
export type ScanCursor = Readonly<Record<string, unknown>>;

export interface ScanSegment {
  readonly index: number;
  readonly total: number;
}

export interface EmailRef {
  readonly tenant: string;
  readonly id: string;
}

/** A stored email as the job sees it: its envelope and its sealed fields, never opened. */
export interface SealedEmailItem extends EmailRef {
  readonly envelope: ItemEnvelope;
  readonly fields: SealedFields;
}

export interface RewrapPage {
  readonly emails: readonly SealedEmailItem[];
  /** Email items without a well-formed envelope: counted as failed. */
  readonly malformed: readonly EmailRef[];
  /** Tenants whose branch keys are in this page (tenants met without any mail). */
  readonly tenants: readonly string[];
  /** Where the segment continues; null when this was its last page. */
  readonly next: ScanCursor | null;
}

export interface RewrapSource {
  scanPage(segment: ScanSegment, cursor: ScanCursor | null): Promise<RewrapPage>;
  /**
   * Replaces the item's envelope, and nothing else, if it still carries `expected` (same
   * signature and branch version). False when the item changed or is gone.
   */
  replaceEnvelope(ref: EmailRef, expected: ItemEnvelope, next: ItemEnvelope): Promise<boolean>;
}

export interface SegmentProgress {
  readonly cursor: ScanCursor | null;
  readonly done: boolean;
}

export interface RewrapPassInfo {
  /** 1, 2, …: one pass re-wraps (or finds current) every item once. */
  readonly pass: number;
  readonly totalSegments: number;
  readonly startedAt: string;
}

export interface RewrapPassState extends RewrapPassInfo {
  /** One per segment, by index. */
  readonly segments: readonly SegmentProgress[];
}

export interface RewrapCheckpoints {
  /** The current pass and each segment's progress in it; null before the first run. */
  load(): Promise<RewrapPassState | null>;
  /** Starts a pass unless the stored pass is no longer `previous` (another run started one): false then. */
  startPass(pass: RewrapPassInfo, previous: number | null): Promise<boolean>;
  /** Records a segment's progress in a pass (never over a later pass's). */
  saveSegment(pass: number, segment: number, progress: SegmentProgress): Promise<void>;
}

export type RewrapFailureReason =
  /** The signature or the wrapped key does not check out: tampered, transplanted or corrupt. */
  | 'integrity'
  /** The envelope names a branch key version the tenant does not have. */
  | 'unknown_branch_version'
  /** The tenant has no branch key at all. */
  | 'no_branch_key'
  /** The item has no well-formed envelope. */
  | 'malformed';

export interface RewrapPorts {
  readonly source: RewrapSource;
  readonly checkpoints: RewrapCheckpoints;
  readonly keyring: BranchKeyring;
  /** The store behind the keyring: the newest version's age, and whether a version exists. */
  readonly branchKeys: BranchKeyRepository;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Told of every item that failed, by id only. */
  readonly onFailure?: (item: EmailRef, reason: RewrapFailureReason) => void;
  readonly onRotated?: (tenant: string, from: number, version: number) => void;
}

export const rewrapDefaults = {
  /** Segments scanned in parallel; also the granularity of the progress metric. */
  totalSegments: 4,
  /** Items re-wrapped at once within one segment's page. */
  itemsInFlight: 8,
} as const;

export interface RewrapOptions {
  readonly totalSegments?: number;
  readonly itemsInFlight?: number;
  readonly rotationPeriodDays?: number;
  /** Asked before each page: false stops the run cleanly, every cursor saved. */
  readonly keepGoing?: () => boolean;
}

export interface RewrapReport {
  readonly pass: number;
  /** Email items examined by this run. */
  readonly scanned: number;
  readonly rewrapped: number;
  readonly alreadyCurrent: number;
  /** Changed or deleted between the read and the conditional write: left to their writer. */
  readonly skipped: number;
  readonly failed: number;
  readonly branchKeysRotated: number;
  readonly segmentsComplete: number;
  readonly totalSegments: number;
  /** Every segment of the pass is done: the next run starts a new pass. */
  readonly passComplete: boolean;
}

/** A segment stopped on an unexpected error; the report says what the run did until then. */
export class RewrapRunError extends Error {
  override readonly name = 'RewrapRunError';
  constructor(
    readonly report: RewrapReport,
    readonly causes: readonly unknown[],
  ) {
    super(`${causes.length} of ${report.totalSegments} re-wrap segments stopped on an error`, {
      cause: causes[0],
    });
  }
}

/** Where email-envelope.ts binds an email's ciphertexts (tenant, record kind and id). */
export const sealedEmailLocation = (ref: EmailRef): ItemLocation => emailLocation(ref.tenant, ref.id);

/** Runs `work` over the items, at most `limit` at once; the first error wins once all settled. */
const forEachLimited = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (errors.length === 0 && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
};

const freshSegments = (total: number): SegmentProgress[] =>
  Array.from({ length: total }, () => ({ cursor: null, done: false }));

const positiveInteger = (value: number, what: string): number => {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer`);
  return value;
};

/** The pass to work on: the stored one while it has work left, otherwise a new one. */
const currentPass = async (ports: RewrapPorts, totalSegments: number): Promise<RewrapPassState> => {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const stored = await ports.checkpoints.load();
    // Cursors belong to one segmentation: a different segment count starts over.
    if (stored && stored.totalSegments === totalSegments && stored.segments.some((s) => !s.done)) {
      return stored;
    }
    const info: RewrapPassInfo = {
      pass: (stored?.pass ?? 0) + 1,
      totalSegments,
      startedAt: ports.clock.now().toISOString(),
    };
    if (await ports.checkpoints.startPass(info, stored?.pass ?? null)) {
      return { ...info, segments: freshSegments(totalSegments) };
    }
    // Another run started the pass first: work on theirs.
  }
  throw new Error('Could not start a re-wrap pass: other runs keep starting them');
};

export const runRewrap = async (ports: RewrapPorts, options: RewrapOptions = {}): Promise<RewrapReport> => {
  const totalSegments = positiveInteger(
    options.totalSegments ?? rewrapDefaults.totalSegments,
    'totalSegments',
  );
  const itemsInFlight = positiveInteger(
    options.itemsInFlight ?? rewrapDefaults.itemsInFlight,
    'itemsInFlight',
  );
  const periodDays = options.rotationPeriodDays ?? branchKeyRotationPeriodDays;
  const keepGoing = options.keepGoing ?? (() => true);
  const counts = { scanned: 0, rewrapped: 0, alreadyCurrent: 0, skipped: 0, failed: 0, branchKeysRotated: 0 };

  const pass = await currentPass(ports, totalSegments);
  const segments = [...pass.segments];

  // Per tenant and run: rotate if due (once), then the newest version; null without any key.
  const tenantVersions = new Map<string, Promise<number | null>>();
  const newestVersion = (tenant: string): Promise<number | null> => {
    let known = tenantVersions.get(tenant);
    if (!known) {
      known = rotateIfDue(tenant, ports, periodDays).then((check) => {
        if (check.kind === 'no-key') return null;
        if (check.kind === 'rotated') {
          counts.branchKeysRotated += 1;
          ports.onRotated?.(tenant, check.from, check.version);
        }
        return check.version;
      });
      tenantVersions.set(tenant, known);
    }
    return known;
  };

  const fail = (ref: EmailRef, reason: RewrapFailureReason) => {
    counts.failed += 1;
    ports.onFailure?.({ tenant: ref.tenant, id: ref.id }, reason);
  };

  /** Null for an error that says nothing about the item (KMS, DynamoDB): those stop the segment. */
  const itemFailure = async (error: unknown, item: SealedEmailItem): Promise<RewrapFailureReason | null> => {
    if (error instanceof ItemIntegrityError) return 'integrity';
    const version = await ports.branchKeys.get(item.tenant, item.envelope.branchVersion);
    return version === null ? 'unknown_branch_version' : null;
  };

  const rewrapOne = async (item: SealedEmailItem): Promise<void> => {
    counts.scanned += 1;
    const newest = await newestVersion(item.tenant);
    if (newest === null) return fail(item, 'no_branch_key');
    if (item.envelope.branchVersion >= newest) {
      counts.alreadyCurrent += 1;
      return;
    }
    let rewrapped: ItemEnvelope;
    try {
      const { fields: _fields, ...envelope } = await rewrapItem(
        { ...item.envelope, fields: item.fields },
        sealedEmailLocation(item),
        { keyring: ports.keyring, random: ports.random },
      );
      rewrapped = envelope;
    } catch (error) {
      const reason = await itemFailure(error, item);
      if (reason === null) throw error;
      return fail(item, reason);
    }
    // The keyring had not seen the newest version yet (rotated elsewhere moments ago): next pass.
    if (rewrapped.branchVersion <= item.envelope.branchVersion) {
      counts.skipped += 1;
      return;
    }
    const replaced = await ports.source.replaceEnvelope(item, item.envelope, rewrapped);
    if (replaced) counts.rewrapped += 1;
    else counts.skipped += 1;
  };

  const runSegment = async (index: number): Promise<void> => {
    let progress = segments[index] ?? { cursor: null, done: false };
    while (!progress.done && keepGoing()) {
      const page = await ports.source.scanPage({ index, total: totalSegments }, progress.cursor);
      // Rotation first: no item of a tenant is re-wrapped to a key that is about to be replaced.
      const tenants = new Set([...page.tenants, ...page.emails.map((email) => email.tenant)]);
      await Promise.all([...tenants].map(newestVersion));
      for (const ref of page.malformed) {
        counts.scanned += 1;
        fail(ref, 'malformed');
      }
      await forEachLimited(page.emails, itemsInFlight, rewrapOne);
      progress = page.next ? { cursor: page.next, done: false } : { cursor: null, done: true };
      await ports.checkpoints.saveSegment(pass.pass, index, progress);
      segments[index] = progress;
    }
  };

  const outcomes = await Promise.allSettled(segments.map((_, index) => runSegment(index)));
  const segmentsComplete = segments.filter((segment) => segment.done).length;
  const report: RewrapReport = {
    pass: pass.pass,
    ...counts,
    segmentsComplete,
    totalSegments,
    passComplete: segmentsComplete === totalSegments,
  };
  const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
  if (errors.length > 0) throw new RewrapRunError(report, errors);
  return report;
};

/** The pass's progress in percent (by segments done). */
export const passPercent = (report: Pick<RewrapReport, 'segmentsComplete' | 'totalSegments'>): number =>
  Math.round((100 * report.segmentsComplete) / report.totalSegments);
