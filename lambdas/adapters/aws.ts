/**
 * The composition root for functions running in AWS: each adapter is built once per execution
 * environment, on first use, from the environment the CDK sets. Handlers take what they need.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { TokenSettings } from '#core/auth/access-tokens.ts';
import { AuditTrail } from '#core/audit/audit-trail.ts';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { validateGraceSeconds } from '#core/auth/refresh-tokens.ts';
import { sesInbound } from '#shared/catalog.ts';
import { optionalEnv, requireEnv } from '#shared/env.ts';
import { cryptoMetrics, tracer } from '#shared/observability.ts';
import { DynamoDbTenantRepository, DynamoDbUserRepository } from './dynamodb/account-repositories.ts';
import { DynamoDbAuditLog } from './dynamodb/audit-log.ts';
import { DynamoDbBranchKeyRepository } from './dynamodb/branch-key-repository.ts';
import { createDocumentClient } from './dynamodb/document-client.ts';
import { DynamoDbAuditStore } from './dynamodb/audit-store.ts';
import { DynamoDbClientRepository } from './dynamodb/client-repository.ts';
import { DynamoDbRateLimits } from './dynamodb/rate-limits.ts';
import { DynamoDbRefreshFamilies } from './dynamodb/refresh-families.ts';
import { DynamoDbRevocations } from './dynamodb/revocations.ts';
import { DynamoDbDomainRepository } from './dynamodb/domain-repository.ts';
import { DynamoDbEmailRepository } from './dynamodb/email-repository.ts';
import { DynamoDbRewrapCheckpoints } from './dynamodb/rewrap-checkpoints.ts';
import { DynamoDbRewrapSource } from './dynamodb/rewrap-scan.ts';
import { KmsDataKeyProvider } from './kms/kms-data-key-provider.ts';
import { S3RawMailStore } from './s3/s3-raw-mail-store.ts';
import {
  SecretsManagerSigningKeys,
  SecretsManagerVerificationKeys,
} from './secrets/secrets-manager-signing-keys.ts';
import { cryptoRandom, systemClock } from './system.ts';
import { SqsAnalysisQueue } from './sqs/sqs-analysis-queue.ts';

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

const documentClient = /* @__PURE__ */ once(() => {
  const endpoint = optionalEnv('dynamoDbEndpoint');
  return tracer.captureAWSv3Client(createDocumentClient(endpoint ? { endpoint } : {}));
});

// Each adapter is its own export, marked pure, so a function's bundle keeps only the SDK
// clients that function uses (esbuild drops the rest).
export const emails = /* @__PURE__ */ once(
  () => new DynamoDbEmailRepository(documentClient(), requireEnv('tableName')),
);
export const users = /* @__PURE__ */ once(
  () => new DynamoDbUserRepository(documentClient(), requireEnv('tableName')),
);
export const tenants = /* @__PURE__ */ once(
  () => new DynamoDbTenantRepository(documentClient(), requireEnv('tableName')),
);
export const domains = /* @__PURE__ */ once(
  () => new DynamoDbDomainRepository(documentClient(), requireEnv('tableName')),
);
export const audit = /* @__PURE__ */ once(
  () => new DynamoDbAuditLog(documentClient(), requireEnv('tableName'), sesInbound.auditRetentionDays),
);
/** The SES inbound mail bucket (raw messages). */
export const mailStore = /* @__PURE__ */ once(
  () => new S3RawMailStore(tracer.captureAWSv3Client(new S3Client({})), requireEnv('mailBucket')),
);
export const dataKeys = /* @__PURE__ */ once(
  () => new KmsDataKeyProvider(tracer.captureAWSv3Client(new KMSClient({})), requireEnv('dataKeyId')),
);
/** The branch-key store behind the keyring (the rotation job also reads key ages from it). */
export const branchKeys = /* @__PURE__ */ once(
  () => new DynamoDbBranchKeyRepository(documentClient(), requireEnv('tableName')),
);
/** Per-tenant branch keys in the table, wrapped by the KMS data key: one KMS call per tenant per cache period. */
export const keyring = /* @__PURE__ */ once(
  () =>
    new BranchKeyring({
      repository: branchKeys(),
      kms: dataKeys(),
      clock: systemClock,
      observer: cryptoMetrics,
    }),
);
/** The rotation job: the table's email and branch-key items, segment by segment (a Scan). */
export const rewrapSource = /* @__PURE__ */ once(
  () => new DynamoDbRewrapSource(documentClient(), requireEnv('tableName')),
);
/** The rotation job's per-segment cursors (`OPS#REWRAP`). */
export const rewrapCheckpoints = /* @__PURE__ */ once(
  () => new DynamoDbRewrapCheckpoints(documentClient(), requireEnv('tableName')),
);
export const signingKeys = /* @__PURE__ */ once(
  () =>
    new SecretsManagerSigningKeys(
      tracer.captureAWSv3Client(new SecretsManagerClient({})),
      requireEnv('signingSecretId'),
    ),
);
/** The signing keys' public halves only: for functions that verify tokens. */
export const verificationKeys = /* @__PURE__ */ once(
  () =>
    new SecretsManagerVerificationKeys(
      tracer.captureAWSv3Client(new SecretsManagerClient({})),
      requireEnv('verificationKeysSecretId'),
    ),
);
export const analysisQueue = /* @__PURE__ */ once(
  () => new SqsAnalysisQueue(tracer.captureAWSv3Client(new SQSClient({})), requireEnv('queueUrl')),
);
export const tokenSettings = /* @__PURE__ */ once((): TokenSettings => ({
  issuer: requireEnv('jwtIssuer'),
  audience: requireEnv('jwtAudience'),
}));
export const refreshFamilies = /* @__PURE__ */ once(
  () => new DynamoDbRefreshFamilies(documentClient(), requireEnv('tableName')),
);
export const clients = /* @__PURE__ */ once(
  () => new DynamoDbClientRepository(documentClient(), requireEnv('tableName')),
);
/** The tenants' audit trail, its personal fields sealed under their branch keys. */
export const auditTrail = /* @__PURE__ */ once(
  () =>
    new AuditTrail({
      store: new DynamoDbAuditStore(documentClient(), requireEnv('tableName')),
      keyring: keyring(),
      random: cryptoRandom,
    }),
);
export const rateLimits = /* @__PURE__ */ once(
  () => new DynamoDbRateLimits(documentClient(), requireEnv('tableName')),
);
export const revocations = /* @__PURE__ */ once(
  () => new DynamoDbRevocations(documentClient(), requireEnv('tableName')),
);
/** 0 unless the stage sets it; validated (0-60) at cold start. */
export const refreshGraceSeconds = (): number =>
  validateGraceSeconds(Number(optionalEnv('refreshGraceSeconds') ?? '0'));
export const tableName = (): string => requireEnv('tableName');
export { documentClient };
