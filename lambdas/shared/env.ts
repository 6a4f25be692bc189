/**
 * Every environment variable a function reads, named once. The CDK sets them through
 * `AppFunction.bind*()`, the local runner sets them for the in-process handlers.
 */
export const envNames = {
  stage: 'PHISHX_STAGE',
  tableName: 'PHISHX_TABLE_NAME',
  queueUrl: 'PHISHX_QUEUE_URL',
  /** KMS key ARN or alias that wraps the per-item data keys. */
  dataKeyId: 'PHISHX_DATA_KEY_ID',
  /** Secrets Manager secret holding the token signing keys (private): token issuers only. */
  signingSecretId: 'PHISHX_SIGNING_SECRET_ID',
  /** Secrets Manager secret holding the signing keys' public halves only: token verifiers. */
  verificationKeysSecretId: 'PHISHX_VERIFICATION_KEYS_SECRET_ID',
  jwtIssuer: 'PHISHX_JWT_ISSUER',
  jwtAudience: 'PHISHX_JWT_AUDIENCE',
  /** 0-60: seconds the previous refresh token stays usable after a rotation (default 0). */
  refreshGraceSeconds: 'PHISHX_REFRESH_GRACE_SECONDS',
  /** The bucket SES inbound stores raw messages in (objects under `sesInbound.objectKeyPrefix`). */
  mailBucket: 'PHISHX_MAIL_BUCKET',
  /** Local runner only: the DynamoDB Local endpoint. Unset in AWS. */
  dynamoDbEndpoint: 'PHISHX_DYNAMODB_ENDPOINT',
} as const;

export type EnvName = keyof typeof envNames;

/** Reads a required variable; a missing one is a deployment bug, so fail at cold start. */
export const requireEnv = (name: EnvName, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[envNames[name]];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${envNames[name]}`);
  }
  return value;
};

export const optionalEnv = (name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env[envNames[name]] || undefined;
