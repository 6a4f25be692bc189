/**
 * CloudFormation custom resource (Provider framework `onEvent` handler): gives the token
 * signing-key secret its first key.
 *
 * Create/Update: when the secret holds no key set yet, generate an Ed25519 key pair and store
 * `{"keys":[{kid, alg, privateJwk, publicJwk, createdAt}]}` (first key = current key). A secret
 * that already holds a key set is left alone, so redeploys and retries never replace a key
 * that tokens are signed with. Delete: nothing (the secret's own removal policy decides).
 *
 * Key material never leaves this function except into Secrets Manager: it is not logged and
 * not returned (the response carries no `Data`).
 */
import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { exportJWK, generateKeyPair } from 'jose';

/** One entry of the stored key set, as the app's Secrets Manager key store reads it. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly privateJwk: Record<string, unknown>;
  readonly publicJwk: Record<string, unknown>;
  readonly createdAt: string;
}

export interface StoredKeySet {
  readonly keys: readonly StoredSigningKey[];
}

export interface InitializerResponse {
  readonly PhysicalResourceId: string;
}

const client = new SecretsManagerClient({});

const log = (message: string, fields: Record<string, string>): void => {
  // Ids and outcomes only: never the secret value.
  console.info(JSON.stringify({ level: 'INFO', message, ...fields }));
};

/** True when the secret already holds at least one key (any well-formed key set). */
const holdsKeySet = (secretString: string | undefined): boolean => {
  if (secretString === undefined || secretString.trim() === '') return false;
  try {
    const parsed: unknown = JSON.parse(secretString);
    const keys = (parsed as Partial<StoredKeySet> | null)?.keys;
    return Array.isArray(keys) && keys.length > 0;
  } catch {
    return false;
  }
};

const currentValue = async (secretId: string): Promise<string | undefined> => {
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return SecretString;
  } catch (error) {
    // An empty secret (no version yet) answers ResourceNotFoundException.
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

export const newKeySet = async (now: Date = new Date()): Promise<StoredKeySet> => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return {
    keys: [
      {
        kid: randomBytes(16).toString('base64url'),
        alg: 'EdDSA',
        privateJwk: { ...(await exportJWK(privateKey)) },
        publicJwk: { ...(await exportJWK(publicKey)) },
        createdAt: now.toISOString(),
      },
    ],
  };
};

export const handler = async (event: CloudFormationCustomResourceEvent): Promise<InitializerResponse> => {
  const secretId: unknown = event.ResourceProperties.SecretId;
  if (typeof secretId !== 'string' || secretId === '') {
    throw new Error('ResourceProperties.SecretId must name the signing-key secret');
  }
  if (event.RequestType === 'Delete') {
    log('Nothing to do on delete', { requestType: event.RequestType, secretId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  if (holdsKeySet(await currentValue(secretId))) {
    log('Signing key already present; left unchanged', { requestType: event.RequestType, secretId });
    return { PhysicalResourceId: secretId };
  }

  const keySet = await newKeySet();
  await client.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      SecretString: JSON.stringify(keySet),
      // The request id makes a retried request idempotent instead of adding a second version.
      ClientRequestToken: event.RequestId,
    }),
  );
  log('Signing key generated', { requestType: event.RequestType, secretId, kid: keySet.keys[0]?.kid ?? '' });
  return { PhysicalResourceId: secretId };
};
