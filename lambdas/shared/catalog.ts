/**
 * The function catalog and the route table: plain data, read by the CDK (to build functions,
 * grants and the REST API) and by the local runner (to serve the same routes with the same
 * handlers). Adding a route or a function is one edit here.
 */
import type { Scope } from './scopes.ts';

export type FunctionName =
  | 'auth-token'
  | 'auth-refresh'
  | 'auth-session'
  | 'jwks'
  | 'audit-log'
  | 'data-subjects'
  | 'admin-clients'
  | 'admin-users'
  | 'authorizer'
  | 'ingest-email'
  | 'ingest-ses'
  | 'get-email'
  | 'list-emails'
  | 'health'
  | 'analysis'
  | 'rewrap-items';

/** What a function may touch. The CDK turns each entry into a least-privilege grant. */
export interface FunctionAccess {
  readonly table?: 'read' | 'readwrite';
  readonly queue?: 'send' | 'consume';
  /**
   * The KMS key, which wraps the tenants' branch keys (core/crypto/branch-keyring.ts):
   * `decrypt` = Decrypt, to unwrap a branch key, which every function that seals or opens an
   * item needs; `encrypt` = GenerateDataKey, to create a branch key (a tenant's first, or a
   * rotation), which only functions that seal need.
   */
  readonly dataKeys?: readonly ('encrypt' | 'decrypt')[];
  /**
   * The token signing keys: `sign` = the secret with the private keys (issuers of tokens);
   * `verify` = the secret with the public keys only (the authorizer and the JWKS endpoint),
   * so a function that only checks tokens can never mint one.
   */
  readonly signingKey?: 'sign' | 'verify';
  /** Put rate-limit records only (keys `RATE#…`): jwt routes of functions that otherwise only read. */
  readonly rateLimits?: 'write';
  /** GetItem on the access-token deny-list only (keys `REVOKED#…`): the authorizer. */
  readonly revocations?: 'read';
  /** The SES mail bucket: `read` = s3:GetObject under the inbound prefix (and its key, via S3). */
  readonly mailBucket?: 'read';
  /**
   * `read` = dynamodb:Scan on the table. A scan crosses tenants (every key starts with one), so
   * only the rotation job, which must visit every item, has it.
   */
  readonly tableScan?: 'read';
}

export interface FunctionDefinition {
  readonly name: FunctionName;
  /** Entry file, relative to the repository root; exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /**
   * `ses`: invoked asynchronously by an SES receipt rule's Lambda action. `schedule`: invoked by
   * an EventBridge rule on `schedule`, in the primary region only (the function exists in every
   * region, so an operator can run it by hand in another during a failover).
   */
  readonly trigger: 'http' | 'authorizer' | 'sqs' | 'ses' | 'schedule';
  /** `schedule` trigger only: an EventBridge schedule expression (UTC). */
  readonly schedule?: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly access: FunctionAccess;
}

export const functions: Readonly<Record<FunctionName, FunctionDefinition>> = {
  'auth-token': {
    name: 'auth-token',
    entry: 'lambdas/auth/token.ts',
    description: 'Exchanges credentials for a short-lived access token',
    trigger: 'http',
    // scrypt at OWASP cost needs 128 MiB for one hash; headroom for the runtime.
    memoryMb: 512,
    timeoutSeconds: 10,
    // Reads users, writes the refresh family; seals audit events.
    access: { table: 'readwrite', signingKey: 'sign', dataKeys: ['encrypt', 'decrypt'] },
  },
  'auth-refresh': {
    name: 'auth-refresh',
    entry: 'lambdas/auth/refresh.ts',
    description: 'Rotates a refresh token: new access token, next refresh token; reuse revokes the session',
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: { table: 'readwrite', signingKey: 'sign', dataKeys: ['encrypt', 'decrypt'] },
  },
  'auth-session': {
    name: 'auth-session',
    entry: 'lambdas/auth/session.ts',
    description: 'Logout and revoke-all: deny-lists access tokens, revokes refresh sessions',
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: { table: 'readwrite', dataKeys: ['encrypt', 'decrypt'] },
  },
  'audit-log': {
    name: 'audit-log',
    entry: 'lambdas/api/audit.ts',
    description: "Lists and filters the caller's tenant's audit trail (admin)",
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 10,
    // Reads the sealed trail and unwraps the tenant's branch key to open it.
    access: { table: 'read', dataKeys: ['decrypt'], rateLimits: 'write' },
  },
  'data-subjects': {
    name: 'data-subjects',
    entry: 'lambdas/api/data-subjects.ts',
    description: 'GDPR: exports everything held about an address, or erases it (admin, audited)',
    trigger: 'http',
    memoryMb: 512,
    timeoutSeconds: 30,
    access: { table: 'readwrite', dataKeys: ['encrypt', 'decrypt'] },
  },
  'admin-users': {
    name: 'admin-users',
    entry: 'lambdas/auth/users.ts',
    description: "Tenant admin: creates, lists, changes the role of, disables and deletes the tenant's users",
    trigger: 'http',
    // scrypt at OWASP cost (128 MiB) when creating a user.
    memoryMb: 512,
    timeoutSeconds: 10,
    // Seals its audit events.
    access: { table: 'readwrite', dataKeys: ['encrypt', 'decrypt'] },
  },
  'admin-clients': {
    name: 'admin-clients',
    entry: 'lambdas/auth/clients.ts',
    description: "Tenant admin: creates, lists, disables and deletes the tenant's machine clients",
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 10,
    // Seals its audit events.
    access: { table: 'readwrite', dataKeys: ['encrypt', 'decrypt'] },
  },
  jwks: {
    name: 'jwks',
    entry: 'lambdas/auth/jwks.ts',
    description: 'Publishes the public token-signing keys (current and previous) as a JWK set',
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 5,
    access: { signingKey: 'verify' },
  },
  authorizer: {
    name: 'authorizer',
    entry: 'lambdas/auth/authorizer.ts',
    description: 'Verifies bearer tokens for the REST API',
    trigger: 'authorizer',
    memoryMb: 256,
    timeoutSeconds: 5,
    // Reads the subject's deny-list on every call, and nothing else of the table.
    access: { revocations: 'read', signingKey: 'verify' },
  },
  'ingest-email': {
    name: 'ingest-email',
    entry: 'lambdas/ingest/http-ingest.ts',
    description: 'Accepts a raw RFC 822 message, encrypts its personal fields, queues it',
    trigger: 'http',
    memoryMb: 1024,
    timeoutSeconds: 15,
    access: { table: 'readwrite', queue: 'send', dataKeys: ['encrypt', 'decrypt'] },
  },
  'ingest-ses': {
    name: 'ingest-ses',
    entry: 'lambdas/ingest/ses-ingest.ts',
    description: 'Ingests mail SES received for a tenant domain: reads it from S3, encrypts, queues it',
    trigger: 'ses',
    // The whole object is read into one buffer (up to SES's 40 MB) and parsed once; the parser
    // reads at most its first 12 MB. Measured with `npx tsx scripts/ses-large-mail.ts [MB]`: peak
    // RSS 208 MB for 25 MB and 227 MB for 40 MB (baseline 118 MB), ingest 0.9 s / 1.2 s on one
    // fast core. 1,024 MB is 4.5x that peak, and its CPU share (~0.6 vCPU) keeps a 40 MB message
    // around 2-4 s; the 60 s timeout leaves room for a slow S3 read.
    memoryMb: 1024,
    timeoutSeconds: 60,
    access: { table: 'readwrite', queue: 'send', dataKeys: ['encrypt', 'decrypt'], mailBucket: 'read' },
  },
  'get-email': {
    name: 'get-email',
    entry: 'lambdas/api/get-email.ts',
    description: "Returns an email's analysis to its tenant",
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 5,
    access: { table: 'read', dataKeys: ['decrypt'], rateLimits: 'write' },
  },
  'list-emails': {
    name: 'list-emails',
    entry: 'lambdas/api/list-emails.ts',
    description: "Searches a tenant's emails by sender, sender domain or recipient",
    trigger: 'http',
    memoryMb: 512,
    timeoutSeconds: 10,
    access: { table: 'read', dataKeys: ['decrypt'], rateLimits: 'write' },
  },
  health: {
    name: 'health',
    entry: 'lambdas/api/health.ts',
    description: "Reports each dependency's status",
    trigger: 'http',
    memoryMb: 256,
    timeoutSeconds: 5,
    access: { table: 'read' },
  },
  analysis: {
    name: 'analysis',
    entry: 'lambdas/analysis/analyse-emails.ts',
    description: 'Scores queued emails and stores verdicts and findings',
    trigger: 'sqs',
    memoryMb: 1024,
    timeoutSeconds: 60,
    access: { table: 'readwrite', queue: 'consume', dataKeys: ['encrypt', 'decrypt'] },
  },
  'rewrap-items': {
    name: 'rewrap-items',
    entry: 'lambdas/ops/rewrap-items.ts',
    description: 'Rotates branch keys past their period; re-wraps item data keys to the newest (resumable)',
    trigger: 'schedule',
    // Daily, at a quiet hour: a pass that does not fit one run resumes the next day.
    schedule: 'cron(17 3 * * ? *)',
    // One scan page (at most 1 MB) per segment in memory, 4 segments: memory is not the limit.
    memoryMb: 512,
    // Lambda's maximum: the job stops itself a minute before, its cursors saved.
    timeoutSeconds: 900,
    // Scans and conditionally updates envelopes; unwraps old branch keys, creates new ones.
    access: { table: 'readwrite', tableScan: 'read', dataKeys: ['encrypt', 'decrypt'] },
  },
};

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource syntax: `{name}` marks a path parameter. */
  readonly path: string;
  readonly function: FunctionName;
  /** `none` for the token and health endpoints only; everything else needs a bearer token. */
  readonly auth: 'none' | 'jwt';
  /** Any one of these scopes admits the caller. Empty when `auth` is `none`. */
  readonly scopes: readonly Scope[];
  /** Request bodies of these media types reach the handler as raw bytes (base64). */
  readonly binaryMediaTypes?: readonly string[];
  /** Per principal (jwt routes); `defaultPrincipalRateLimit` when absent. Exact sliding window. */
  readonly rateLimit?: RateLimit;
}

export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Every jwt route without its own `rateLimit`, per principal. */
export const defaultPrincipalRateLimit: RateLimit = { limit: 300, windowSeconds: 60 };

/** The token endpoint, per source IP and username, and per source IP (see core/ratelimit). */
export const tokenEndpointRateLimits = {
  perIpAndUsername: { limit: 5, windowSeconds: 60 },
  perIp: { limit: 20, windowSeconds: 60 },
} as const satisfies Record<string, RateLimit>;

export const routes: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v1/auth/token', function: 'auth-token', auth: 'none', scopes: [] },
  {
    method: 'POST',
    path: '/v1/emails',
    function: 'ingest-email',
    auth: 'jwt',
    scopes: ['email_ingest', 'admin'],
    binaryMediaTypes: ['message/rfc822'],
    rateLimit: { limit: 50, windowSeconds: 60 },
  },
  { method: 'GET', path: '/v1/emails', function: 'list-emails', auth: 'jwt', scopes: ['read'] },
  { method: 'GET', path: '/v1/emails/{id}', function: 'get-email', auth: 'jwt', scopes: ['read'] },
  { method: 'GET', path: '/health', function: 'health', auth: 'none', scopes: [] },
  { method: 'POST', path: '/v1/auth/refresh', function: 'auth-refresh', auth: 'none', scopes: [] },
  { method: 'POST', path: '/v1/auth/logout', function: 'auth-session', auth: 'jwt', scopes: ['read'] },
  { method: 'POST', path: '/v1/auth/revoke-all', function: 'auth-session', auth: 'jwt', scopes: ['read'] },
  { method: 'GET', path: '/.well-known/jwks.json', function: 'jwks', auth: 'none', scopes: [] },
  { method: 'GET', path: '/v1/audit', function: 'audit-log', auth: 'jwt', scopes: ['admin'] },
  {
    method: 'GET',
    path: '/v1/subjects/{address}/export',
    function: 'data-subjects',
    auth: 'jwt',
    scopes: ['admin'],
    rateLimit: { limit: 10, windowSeconds: 60 },
  },
  {
    method: 'DELETE',
    path: '/v1/subjects/{address}',
    function: 'data-subjects',
    auth: 'jwt',
    scopes: ['admin'],
    rateLimit: { limit: 10, windowSeconds: 60 },
  },
  { method: 'POST', path: '/v1/users', function: 'admin-users', auth: 'jwt', scopes: ['admin'] },
  { method: 'GET', path: '/v1/users', function: 'admin-users', auth: 'jwt', scopes: ['admin'] },
  { method: 'PATCH', path: '/v1/users/{username}', function: 'admin-users', auth: 'jwt', scopes: ['admin'] },
  { method: 'DELETE', path: '/v1/users/{username}', function: 'admin-users', auth: 'jwt', scopes: ['admin'] },
  { method: 'POST', path: '/v1/clients', function: 'admin-clients', auth: 'jwt', scopes: ['admin'] },
  { method: 'GET', path: '/v1/clients', function: 'admin-clients', auth: 'jwt', scopes: ['admin'] },
  { method: 'PATCH', path: '/v1/clients/{id}', function: 'admin-clients', auth: 'jwt', scopes: ['admin'] },
  { method: 'DELETE', path: '/v1/clients/{id}', function: 'admin-clients', auth: 'jwt', scopes: ['admin'] },
];

/** SQS consumer settings shared by the event source mapping and the local queue. */
export const analysisQueue = {
  batchSize: 10,
  maxReceiveCount: 5,
  /** AWS guidance: at least six times the consumer's timeout, so retries never overlap. */
  visibilityTimeoutSeconds: functions.analysis.timeoutSeconds * 6,
  maxBatchingWindowSeconds: 1,
} as const;

/**
 * The largest raw message `POST /v1/emails` accepts, in bytes. A synchronous Lambda invocation
 * carries at most 6 MB (6,291,456 bytes) of event JSON, and API Gateway base64-encodes a
 * binary body (4 bytes per 3): 4 MiB of mail becomes 5.33 MiB, leaving about 0.6 MiB for
 * headers and request context. (API Gateway's own 10 MB limit is the looser of the two.)
 */
export const maxEmailBytes = 4 * 1024 * 1024;

/**
 * How long an email and its analysis are kept. DynamoDB deletes the item once its `expiresAt`
 * passes (within about two days), so stored mail never outlives its purpose.
 */
export const emailRetentionDays = 90;

/**
 * SES inbound settings shared by the CDK construct and the function.
 *
 * - `maxMessageBytes`: SES accepts messages up to 40 MB (headers included) for an S3 action; the
 *   function reads no more than that.
 * - `rawMailRetentionDays`: the bucket expires raw messages after this many days. The stored,
 *   encrypted email is what the product keeps; the raw object only has to outlive the retries
 *   and the dead-letter queue (14 days), so that a dead-lettered event can be redriven.
 * - `deliveryRetries` / `maxEventAgeHours`: Lambda's asynchronous retries of a failed delivery
 *   before it goes to the on-failure dead-letter queue.
 */
export const sesInbound = {
  objectKeyPrefix: 'inbound/',
  maxMessageBytes: 40 * 1024 * 1024,
  rawMailRetentionDays: 14,
  deadLetterRetentionDays: 14,
  deliveryRetries: 2,
  maxEventAgeHours: 6,
  /** Entries about dropped mail (unknown domains) are kept this long. */
  auditRetentionDays: 30,
} as const;

/** Where SES's S3 action stores a message: the prefix, then SES's message id. */
export const sesObjectKey = (messageId: string): string => `${sesInbound.objectKeyPrefix}${messageId}`;
