import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import 'aws-sdk-client-mock-vitest/extend';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  newSigningKeySet,
  parseSigningKeySet,
  parseVerificationKeySet,
  type SigningKeySet,
} from '#adapters/secrets/signing-key-set.ts';
import { handler } from '../../../lambdas/ops/signing-key-initializer.ts';

type StoredKeySet = SigningKeySet;

const secretsManager = mockClient(SecretsManagerClient);
const secretId = 'phishx/dev/jwt-signing-key';
const verificationKeysSecretId = 'phishx/dev/jwt-verification-keys';

const baseEvent = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/phishx-dev-data/1',
  RequestId: '6f1f5a3e-1d2c-4b5a-9e8f-0a1b2c3d4e5f',
  LogicalResourceId: 'SigningKeyInitializer',
  ResourceType: 'Custom::SigningKeyInitializer',
  ResourceProperties: {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    SecretId: secretId,
    VerificationKeysSecretId: verificationKeysSecretId,
  },
} as const;

const createEvent = (): CloudFormationCustomResourceEvent => ({ ...baseEvent, RequestType: 'Create' });

const noValueYet = () =>
  new ResourceNotFoundException({
    $metadata: {},
    message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
  });

const putsTo = (id: string) =>
  secretsManager.commandCalls(PutSecretValueCommand).filter((call) => call.args[0].input.SecretId === id);

const storedValue = (): string => {
  const calls = putsTo(secretId);
  expect(calls).toHaveLength(1);
  const value = calls[0]?.args[0].input.SecretString;
  expect(typeof value).toBe('string');
  return value as string;
};

describe('signing-key initializer', () => {
  let consoleInfo: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    secretsManager.reset();
    secretsManager.on(PutSecretValueCommand).resolves({});
    consoleInfo = vi.spyOn(console, 'info').mockImplementation(() => undefined);
  });

  afterEach(() => {
    consoleInfo.mockRestore();
  });

  it('generates an Ed25519 key set on Create when the secret has no value yet', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    // Act
    const response = await handler(createEvent());
    // Assess
    expect(response).toEqual({ PhysicalResourceId: secretId });
    expect(secretsManager).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: secretId,
      ClientRequestToken: baseEvent.RequestId,
    });
    const keySet = JSON.parse(storedValue()) as StoredKeySet;
    expect(Object.keys(keySet)).toEqual(['keys']);
    expect(keySet.keys).toHaveLength(1);
    const [key] = keySet.keys;
    expect(Object.keys(key ?? {})).toEqual(['kid', 'alg', 'privateJwk', 'publicJwk', 'createdAt']);
    expect(key?.alg).toBe('EdDSA');
    expect(key?.kid).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(new Date(key?.createdAt ?? '').toISOString()).toBe(key?.createdAt);
    expect(key?.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', d: expect.any(String) });
    expect(key?.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: key?.privateJwk.x });
    expect(key?.publicJwk).not.toHaveProperty('d');
  });

  it("stores a key set the app's Secrets Manager key store can read", async () => {
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    await handler(createEvent());
    const [key] = parseSigningKeySet(storedValue());
    expect(key).toMatchObject({
      alg: 'EdDSA',
      privateJwk: { crv: 'Ed25519' },
      publicJwk: { crv: 'Ed25519' },
    });
  });

  it('stores a key pair that signs and verifies', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    await handler(createEvent());
    const [key] = (JSON.parse(storedValue()) as StoredKeySet).keys;
    if (!key) throw new Error('no key stored');

    const token = await new SignJWT({ sub: 'someone' })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .sign(await importJWK(key.privateJwk, 'EdDSA'));
    const { payload } = await jwtVerify(token, await importJWK(key.publicJwk, 'EdDSA'));
    expect(payload.sub).toBe('someone');
  });

  it('generates a different key every time', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    await handler(createEvent());
    await handler(createEvent());
    const [first, second] = putsTo(secretId).map(
      (call) => (JSON.parse(call.args[0].input.SecretString ?? '') as StoredKeySet).keys[0],
    );
    expect(first?.kid).not.toBe(second?.kid);
    expect(first?.privateJwk.d).not.toBe(second?.privateJwk.d);
  });

  it('publishes the public halves, and nothing private, to the verification-keys secret', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    await handler(createEvent());
    const [published] = putsTo(verificationKeysSecretId);
    expect(published?.args[0].input.ClientRequestToken).toBe(baseEvent.RequestId);
    const text = published?.args[0].input.SecretString ?? '';
    const [key] = parseSigningKeySet(storedValue());
    expect(parseVerificationKeySet(text)).toEqual([
      { kid: key?.kid, alg: 'EdDSA', publicJwk: key?.publicJwk },
    ]);
    expect(text).not.toContain(String(key?.privateJwk.d));
  });

  it('publishes the public halves of an existing key set when only the twin is empty (an upgrade)', async () => {
    const existing = await newSigningKeySet(new Date('2026-01-01T00:00:00Z'));
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretId })
      .resolves({ SecretString: JSON.stringify(existing) });
    secretsManager.on(GetSecretValueCommand, { SecretId: verificationKeysSecretId }).rejects(noValueYet());
    await handler(createEvent());
    expect(putsTo(secretId)).toHaveLength(0);
    const text = putsTo(verificationKeysSecretId)[0]?.args[0].input.SecretString ?? '';
    expect(parseVerificationKeySet(text).map((key) => key.kid)).toEqual([existing.keys[0]?.kid]);
  });

  it('leaves a secret that already holds a real key set unchanged', async () => {
    const existing = JSON.stringify(await newSigningKeySet(new Date('2026-01-01T00:00:00Z')));
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: existing });
    await handler(createEvent());
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('never overwrites keys it cannot fully parse (a future format)', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ keys: [{ kid: 'existing', alg: 'EdDSA' }] }),
    });
    const response = await handler(createEvent());
    expect(response).toEqual({ PhysicalResourceId: secretId });
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it.each([
    ['an empty string', ''],
    ['a value that is not JSON', 'not-json'],
    ['an empty key list', '{"keys":[]}'],
  ])('replaces %s with a key set', async (_label, secretString) => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    await handler(createEvent());
    expect((JSON.parse(storedValue()) as StoredKeySet).keys).toHaveLength(1);
  });

  it('also ensures a key on Update, without replacing an existing one', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    const update: CloudFormationCustomResourceEvent = {
      ...baseEvent,
      RequestType: 'Update',
      PhysicalResourceId: secretId,
      OldResourceProperties: { ServiceToken: baseEvent.ServiceToken, SecretId: 'phishx/dev/old-secret' },
    };
    await expect(handler(update)).resolves.toEqual({ PhysicalResourceId: secretId });
    expect(putsTo(secretId)).toHaveLength(1);
  });

  it('does nothing on Delete', async () => {
    const response = await handler({ ...baseEvent, RequestType: 'Delete', PhysicalResourceId: secretId });
    expect(response).toEqual({ PhysicalResourceId: secretId });
    expect(secretsManager).not.toHaveReceivedAnyCommand();
  });

  it('never logs or returns key material', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(noValueYet());
    const response = await handler(createEvent());
    const stored = storedValue();
    const [key] = (JSON.parse(stored) as StoredKeySet).keys;
    const logged = consoleInfo.mock.calls.flat().join('\n');
    const privatePart = String(key?.privateJwk.d);
    expect(logged).not.toContain(privatePart);
    expect(logged).not.toContain(stored);
    expect(JSON.stringify(response)).not.toContain(privatePart);
    expect(response).not.toHaveProperty('Data');
  });

  it('fails loudly on other Secrets Manager errors', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
    await expect(handler(createEvent())).rejects.toThrow('AccessDeniedException');
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('rejects an event without a VerificationKeysSecretId', async () => {
    const event = {
      ...createEvent(),
      ResourceProperties: { ServiceToken: baseEvent.ServiceToken, SecretId: secretId },
    };
    await expect(handler(event)).rejects.toThrow('VerificationKeysSecretId');
  });

  it('rejects an event without a SecretId', async () => {
    const event = { ...createEvent(), ResourceProperties: { ServiceToken: baseEvent.ServiceToken } };
    await expect(handler(event)).rejects.toThrow('SecretId');
  });
});
