/**
 * CloudFormation custom resource (Provider framework `onEvent` handler): gives the token
 * signing-key secret its first key, and the verification-keys secret its public half.
 *
 * Create/Update: when the secret holds no key set yet, generate an Ed25519 key pair and store
 * `{"keys":[{kid, alg, privateJwk, publicJwk, createdAt}]}` (first key = current key), built by
 * `newSigningKeySet` from the app's own key-set module, so writer and reader share one format. A secret
 * that already holds a key set is left alone, so redeploys and retries never replace a key
 * that tokens are signed with. The verification-keys secret then gets the public halves of
 * whatever key set the signing secret holds, when it lacks them. Delete: nothing (the secrets'
 * own removal policies decide).
 *
 * Key material never leaves this function except into Secrets Manager: it is not logged and
 * not returned (the response carries no `Data`).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  newSigningKeySet,
  parseSigningKeySetWithDates,
  type SigningKeySet,
  verificationKeySetOf,
} from '#adapters/secrets/signing-key-set.ts';

export interface InitializerResponse {
  readonly PhysicalResourceId: string;
}

const client = new SecretsManagerClient({});

const log = (message: string, fields: Record<string, string>): void => {
  // Ids and outcomes only: never the secret value.
  console.info(JSON.stringify({ level: 'INFO', message, ...fields }));
};

/**
 * True when the secret already holds keys: JSON with a non-empty `keys` list. Deliberately
 * lenient: a key set this code cannot fully parse (a newer format, say) is still never
 * overwritten. Only no value, an empty string or something that is not a key list gets a key.
 */
const holdsKeys = (secretString: string | undefined): boolean => {
  if (secretString === undefined || secretString.trim() === '') return false;
  try {
    const keys: unknown = (JSON.parse(secretString) as { keys?: unknown } | null)?.keys;
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

export const handler = async (event: CloudFormationCustomResourceEvent): Promise<InitializerResponse> => {
  const secretId: unknown = event.ResourceProperties.SecretId;
  if (typeof secretId !== 'string' || secretId === '') {
    throw new Error('ResourceProperties.SecretId must name the signing-key secret');
  }
  if (event.RequestType === 'Delete') {
    log('Nothing to do on delete', { requestType: event.RequestType, secretId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const verificationKeysSecretId: unknown = event.ResourceProperties.VerificationKeysSecretId;
  if (typeof verificationKeysSecretId !== 'string' || verificationKeysSecretId === '') {
    throw new Error('ResourceProperties.VerificationKeysSecretId must name the verification-keys secret');
  }

  const existing = await currentValue(secretId);
  let keySet: SigningKeySet;
  if (holdsKeys(existing)) {
    log('Signing key already present; left unchanged', { requestType: event.RequestType, secretId });
    try {
      keySet = parseSigningKeySetWithDates(existing as string);
    } catch {
      // A format this code does not know: whoever wrote it keeps the public keys too.
      log('Signing key set not readable by this version; verification keys left unchanged', { secretId });
      return { PhysicalResourceId: secretId };
    }
  } else {
    // The same generator and format the app's Secrets Manager key store reads (jose, Ed25519).
    keySet = await newSigningKeySet(new Date());
    await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify(keySet),
        // The request id makes a retried request idempotent instead of adding a second version.
        ClientRequestToken: event.RequestId,
      }),
    );
    log('Signing key generated', {
      requestType: event.RequestType,
      secretId,
      kid: keySet.keys[0]?.kid ?? '',
    });
  }

  if (!holdsKeys(await currentValue(verificationKeysSecretId))) {
    await client.send(
      new PutSecretValueCommand({
        SecretId: verificationKeysSecretId,
        SecretString: JSON.stringify(verificationKeySetOf(keySet)),
        ClientRequestToken: event.RequestId,
      }),
    );
    log('Verification keys published', {
      requestType: event.RequestType,
      secretId: verificationKeysSecretId,
    });
  }
  return { PhysicalResourceId: secretId };
};
