/**
 * What the domain needs from the outside world. The core depends only on these interfaces;
 * `lambdas/adapters/` makes them real (AWS in functions, local stand-ins in the local runner).
 */

import type { Role } from '#shared/scopes.ts';
import type { Beacon } from './crypto/beacons.ts';
import type { ItemEnvelope } from './crypto/item-envelope.ts';
import type { Analysis, Finding, ReceiptVerdicts } from './detection/analysis.ts';

export interface Clock {
  now(): Date;
}

/** Cryptographically secure randomness (salts, IVs, token ids). */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** Binds a data key to where it may be used; KMS checks it as the encryption context. */
export interface KeyContext {
  readonly tenant: string;
  readonly purpose: string;
}

export interface DataKey {
  /** 32 bytes; never stored, never logged. */
  readonly plaintext: Uint8Array;
  /** The same key wrapped by the master key; safe to store. */
  readonly wrapped: Uint8Array;
  /** Identifies the master key that wrapped it. */
  readonly masterKeyId: string;
}

/** Envelope encryption: KMS in AWS, a local AES-256 key file on a developer's machine. */
export interface DataKeyProvider {
  generateDataKey(context: KeyContext): Promise<DataKey>;
  decryptDataKey(wrapped: Uint8Array, context: KeyContext): Promise<Uint8Array>;
}

/** A public key that verifies tokens, with its key id. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly publicJwk: JsonWebKeyLike;
}

/** A private signing key as JWK, with its key id. */
export interface SigningKey extends VerificationKey {
  readonly privateJwk: JsonWebKeyLike;
}

export type JsonWebKeyLike = Readonly<Record<string, unknown>>;

/** What token verifiers need: the public keys only (the authorizer, the JWKS endpoint). */
export interface VerificationKeyStore {
  /** Every key a token may still be signed with (current and previous), public parts only. */
  verificationKeys(): Promise<readonly VerificationKey[]>;
}

/** Token signing keys: Secrets Manager in AWS, a generated key file locally. */
export interface SigningKeyStore extends VerificationKeyStore {
  /** The key new tokens are signed with. */
  current(): Promise<SigningKey>;
}

export type EmailStatus = 'queued' | 'analyzed' | 'failed';
export type EmailSource = 'api' | 'ses';

/** Personal fields, each sealed separately (AES-256-GCM) under the item's data key. */
export type SealedFields = Readonly<Record<string, Uint8Array>>;

export interface StoredEmail {
  readonly tenant: string;
  readonly id: string;
  readonly status: EmailStatus;
  readonly source: EmailSource;
  readonly receivedAt: string;
  /** Epoch seconds after which the table expires the item (its retention). */
  readonly expiresAt: number;
  readonly sizeBytes: number;
  /** False until the analysis job is known to be on the queue (see ingest's outbox step). */
  readonly enqueued: boolean;
  /** The item's data key, wrapped by the tenant's branch key, and the signature over the item. */
  readonly envelope: ItemEnvelope;
  readonly fields: SealedFields;
  /** Truncated-HMAC beacons of the sender and recipients, for equality search without plaintext. */
  readonly beacons: readonly Beacon[];
  readonly result?: StoredResult;
  readonly failure?: { readonly reason: string; readonly failedAt: string };
  /** SES's verdicts at receipt (source `ses` only). Not personal data: stored in clear. */
  readonly receipt?: ReceiptVerdicts;
}

export interface StoredResult {
  readonly score: number;
  readonly verdict: Analysis['verdict'];
  readonly modelVersion: string;
  readonly analyzedAt: string;
  /** Findings sealed under the item's field key: evidence can quote the message. */
  readonly sealedFindings: Uint8Array;
}

export interface EmailRepository {
  /** Stores a new email unless one with the same key exists; answers the existing one then. */
  createIfAbsent(email: StoredEmail): Promise<{ created: true } | { created: false; existing: StoredEmail }>;
  get(tenant: string, id: string): Promise<StoredEmail | null>;
  /** Ids of the tenant's emails carrying this beacon, newest first. */
  findByBeacon(tenant: string, beacon: Beacon, limit: number): Promise<string[]>;
  /**
   * Deletes the email and its beacon index entries together; its data key, which only the item
   * held, goes with it. False when it was already gone.
   */
  delete(email: StoredEmail): Promise<boolean>;
  markEnqueued(tenant: string, id: string): Promise<void>;
  /** Stores the result once: false when the email was already analysed (a duplicate job). */
  recordResult(tenant: string, id: string, result: StoredResult): Promise<boolean>;
  /** Marks the email failed (after the last delivery attempt) unless it was analysed meanwhile. */
  markFailed(tenant: string, id: string, reason: string, failedAt: string): Promise<void>;
}

export interface UserRecord {
  readonly username: string;
  readonly tenant: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: string;
}

export interface UserRepository {
  findByUsername(username: string): Promise<UserRecord | null>;
  /** Creates the user; false when the username is taken. */
  createIfAbsent(user: UserRecord): Promise<boolean>;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly domains: readonly string[];
  readonly createdAt: string;
}

export interface TenantRepository {
  get(id: string): Promise<TenantRecord | null>;
  createIfAbsent(tenant: TenantRecord): Promise<boolean>;
}

/**
 * Which tenant receives mail for a recipient domain (SES inbound). A domain belongs to at most
 * one tenant; domains are lower-case, matched exactly (a subdomain is mapped on its own).
 */
export interface DomainRepository {
  tenantFor(domain: string): Promise<string | null>;
  /** Maps the domain to the tenant: `mapped` (new or unchanged) or `taken` by another tenant. */
  map(domain: string, tenant: string, at: string): Promise<'mapped' | { readonly takenBy: string }>;
}

/** A small append-only record of something an operator may need to know (never message content). */
export interface AuditEntry {
  readonly kind: 'ses_unknown_domain';
  readonly at: string;
  /** Makes a repeated event (an SES redelivery) overwrite its entry instead of adding one. */
  readonly dedupeKey: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/**
 * Raw messages as the receiving mail server stored them: S3 in AWS, a folder locally. `read`
 * returns the whole object or throws a `RawMailError` (see core/ingest/raw-mail.ts): missing,
 * shorter than stored, or over `maxBytes` (checked before reading it all).
 */
export interface RawMailStore {
  read(key: string, maxBytes: number): Promise<Uint8Array>;
}

/** One unit of work for the analysis function. */
export interface AnalysisJob {
  readonly tenant: string;
  readonly id: string;
}

export interface AnalysisQueue {
  enqueue(job: AnalysisJob): Promise<void>;
}

/** A dependency the health endpoint reports on. */
export interface HealthProbe {
  readonly name: string;
  check(): Promise<void>;
}

export type { Analysis, Finding, ReceiptVerdicts };
