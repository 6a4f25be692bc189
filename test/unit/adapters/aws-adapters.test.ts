/**
 * The adapters for services with no local engine here (KMS, Secrets Manager, SQS), against
 * aws-sdk-client-mock: the requests they make, and how they treat the answers.
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsDataKeyProvider } from '#adapters/kms/kms-data-key-provider.ts';
import {
  SecretsManagerSigningKeys,
  SecretsManagerVerificationKeys,
} from '#adapters/secrets/secrets-manager-signing-keys.ts';
import { newSigningKeySet, verificationKeySetOf } from '#adapters/secrets/signing-key-set.ts';
import { SqsAnalysisQueue } from '#adapters/sqs/sqs-analysis-queue.ts';

const kms = mockClient(KMSClient);
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);

beforeEach(() => {
  kms.reset();
  secrets.reset();
  sqs.reset();
});

describe('KmsDataKeyProvider', () => {
  const provider = new KmsDataKeyProvider(new KMSClient({}), 'alias/phishx-dev-data');
  const context = { tenant: 'acme', purpose: 'email' };

  it('asks for an AES-256 data key bound to the tenant by encryption context', async () => {
    kms.on(GenerateDataKeyCommand).resolves({
      Plaintext: new Uint8Array(32).fill(7),
      CiphertextBlob: new Uint8Array([1, 2, 3]),
      KeyId: 'arn:aws:kms:eu-west-1:111111111111:key/k',
    });
    const key = await provider.generateDataKey(context);
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, {
      KeyId: 'alias/phishx-dev-data',
      KeySpec: 'AES_256',
      EncryptionContext: { tenant: 'acme', purpose: 'email' },
    });
    expect(key).toEqual({
      plaintext: new Uint8Array(32).fill(7),
      wrapped: new Uint8Array([1, 2, 3]),
      masterKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/k',
    });
  });

  it('unwraps with the same key and context, never the key the ciphertext names', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(32).fill(9) });
    await expect(provider.decryptDataKey(new Uint8Array([1, 2, 3]), context)).resolves.toEqual(
      new Uint8Array(32).fill(9),
    );
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      KeyId: 'alias/phishx-dev-data',
      CiphertextBlob: new Uint8Array([1, 2, 3]),
      EncryptionContext: { tenant: 'acme', purpose: 'email' },
    });
  });

  it('fails loudly on an incomplete answer and passes KMS errors on', async () => {
    kms.on(GenerateDataKeyCommand).resolves({ CiphertextBlob: new Uint8Array([1]) });
    await expect(provider.generateDataKey(context)).rejects.toThrow(/without a key/);
    kms.on(DecryptCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(provider.decryptDataKey(new Uint8Array([1]), context)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('SecretsManagerSigningKeys', () => {
  it('reads the key set once per cache period, newest key first', async () => {
    const set = await newSigningKeySet(new Date('2026-11-23T00:00:00Z'));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(set) });
    let now = 0;
    const store = new SecretsManagerSigningKeys(
      new SecretsManagerClient({}),
      'phishx/dev/jwt-signing-key',
      () => now,
    );

    const current = await store.current();
    expect(current.kid).toBe(set.keys[0]?.kid);
    await store.verificationKeys();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'phishx/dev/jwt-signing-key',
    });

    now = 5 * 60 * 1000 + 1;
    await store.current();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('refuses a malformed secret without echoing it', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: '{"keys":[{"kid":"x","privateJwk":"SECRET"}]}' });
    const store = new SecretsManagerSigningKeys(new SecretsManagerClient({}), 's');
    const error = await store.current().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('The signing key set is malformed');
    expect((error as Error).message).not.toContain('SECRET');
  });
});

describe('SecretsManagerVerificationKeys', () => {
  it('reads the public halves once per cache period', async () => {
    const set = await newSigningKeySet(new Date('2026-11-23T00:00:00Z'));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(verificationKeySetOf(set)) });
    let now = 0;
    const store = new SecretsManagerVerificationKeys(
      new SecretsManagerClient({}),
      'phishx/dev/jwt-verification-keys',
      () => now,
    );
    expect(await store.verificationKeys()).toEqual([
      { kid: set.keys[0]?.kid, alg: 'EdDSA', publicJwk: set.keys[0]?.publicJwk },
    ]);
    await store.verificationKeys();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    now = 5 * 60 * 1000 + 1;
    await store.verificationKeys();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('refuses a set that carries a private key: the public secret must never hold one', async () => {
    const set = await newSigningKeySet(new Date('2026-11-23T00:00:00Z'));
    const leaked = { keys: set.keys.map((key) => ({ ...key, publicJwk: key.privateJwk })) };
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(leaked) });
    const store = new SecretsManagerVerificationKeys(new SecretsManagerClient({}), 's');
    await expect(store.verificationKeys()).rejects.toThrow('private key material');
  });
});

describe('SqsAnalysisQueue', () => {
  it('sends ids only, never message content', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const queue = new SqsAnalysisQueue(new SQSClient({}), 'https://sqs.eu-west-1.amazonaws.com/1/q');
    await queue.enqueue({ tenant: 'acme', id: 'a'.repeat(32) });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q',
      MessageBody: JSON.stringify({ tenant: 'acme', id: 'a'.repeat(32) }),
    });
  });
});
