/**
 * Secrets Manager rotation function for the token signing-key secret (the four-step protocol:
 * createSecret, setSecret, testSecret, finishSecret), run on a schedule by the secret's
 * rotation schedule.
 *
 * - createSecret: AWSPENDING = the current key set with a new Ed25519 key first (new `kid`);
 *   the current key and any older key that may still have signed a live token are kept, for
 *   verification, so tokens keep verifying across the rotation (see `rotateSigningKeySet`).
 * - setSecret: publishes the pending set's public halves to the verification-keys secret, which
 *   the authorizer and the JWKS endpoint read (they never see a private key). Verifiers learn
 *   the new key here, before anything signs with it.
 * - testSecret: the pending set parses, and its new key signs a token that verifies with its
 *   public key.
 * - finishSecret: moves AWSCURRENT to the pending version.
 *
 * Readers start *signing* with the new key only after its activation delay (6 minutes, more
 * than their 5-minute cache), so no verifier meets a kid it does not know. Each step is
 * idempotent, as Secrets Manager may retry it. Key material is never logged.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import {
  parseSigningKeySetWithDates,
  rotateSigningKeySet,
  verificationKeySetOf,
} from '#adapters/secrets/signing-key-set.ts';
import { requireEnv } from '#shared/env.ts';

const client = new SecretsManagerClient({});

const log = (message: string, fields: Record<string, string>): void => {
  console.info(JSON.stringify({ level: 'INFO', message, ...fields }));
};

const valueOf = async (secretId: string, stage: 'AWSCURRENT' | 'AWSPENDING', versionId?: string) => {
  const { SecretString } = await client.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      VersionStage: stage,
      ...(versionId && { VersionId: versionId }),
    }),
  );
  if (!SecretString) throw new Error(`The ${stage} version holds no string`);
  return SecretString;
};

const createSecret = async (secretId: string, token: string, now: Date) => {
  try {
    await valueOf(secretId, 'AWSPENDING', token);
    log('Pending version already exists', { secretId, token });
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const current = parseSigningKeySetWithDates(await valueOf(secretId, 'AWSCURRENT'));
  const next = await rotateSigningKeySet(current, now);
  await client.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: JSON.stringify(next),
      VersionStages: ['AWSPENDING'],
    }),
  );
  log('Pending key set stored', {
    secretId,
    token,
    kid: next.keys[0]?.kid ?? '',
    keys: String(next.keys.length),
  });
};

const setSecret = async (secretId: string, token: string) => {
  const pending = parseSigningKeySetWithDates(await valueOf(secretId, 'AWSPENDING', token));
  const verificationKeysSecretId = requireEnv('verificationKeysSecretId');
  await client.send(
    new PutSecretValueCommand({
      SecretId: verificationKeysSecretId,
      // The rotation token: a retried step writes the same version instead of a second one.
      ClientRequestToken: token,
      SecretString: JSON.stringify(verificationKeySetOf(pending)),
    }),
  );
  log('Verification keys published', {
    secretId: verificationKeysSecretId,
    token,
    keys: String(pending.keys.length),
  });
};

const testSecret = async (secretId: string, token: string) => {
  const pending = parseSigningKeySetWithDates(await valueOf(secretId, 'AWSPENDING', token));
  const [fresh] = pending.keys;
  if (!fresh) throw new Error('The pending key set is empty');
  const jwt = await new SignJWT({ test: true })
    .setProtectedHeader({ alg: 'EdDSA', kid: fresh.kid })
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(await importJWK({ ...fresh.privateJwk }, 'EdDSA'));
  await jwtVerify(jwt, await importJWK({ ...fresh.publicJwk }, 'EdDSA'), { algorithms: ['EdDSA'] });
  log('Pending key signs and verifies', { secretId, token, kid: fresh.kid });
};

const finishSecret = async (secretId: string, token: string) => {
  const { VersionIdsToStages } = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const current = Object.entries(VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes('AWSCURRENT'),
  )?.[0];
  if (current === token) {
    log('Already current', { secretId, token });
    return;
  }
  await client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      ...(current && { RemoveFromVersionId: current }),
    }),
  );
  log('Rotation finished', { secretId, token });
};

/** One rotation step; `now` is injectable for tests. Follows AWS's rotation template checks. */
export const rotate = async (event: SecretsManagerRotationEvent, now: Date): Promise<void> => {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const { RotationEnabled, VersionIdsToStages } = await client.send(
    new DescribeSecretCommand({ SecretId: secretId }),
  );
  if (RotationEnabled === false) throw new Error('Rotation is not enabled on the secret');
  const stages = VersionIdsToStages?.[token];
  if (!stages) throw new Error('The rotation token is not a version of the secret');
  if (stages.includes('AWSCURRENT')) {
    log('Version already current; nothing to do', { secretId, token, step });
    return;
  }
  if (!stages.includes('AWSPENDING')) throw new Error('The rotation token is not pending');
  switch (step) {
    case 'createSecret':
      return createSecret(secretId, token, now);
    case 'setSecret':
      return setSecret(secretId, token);
    case 'testSecret':
      return testSecret(secretId, token);
    case 'finishSecret':
      return finishSecret(secretId, token);
    default:
      throw new Error(`Unknown rotation step ${String(step)}`);
  }
};

export const handler = (event: SecretsManagerRotationEvent): Promise<void> => rotate(event, new Date());
