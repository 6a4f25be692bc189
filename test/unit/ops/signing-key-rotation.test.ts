import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import 'aws-sdk-client-mock-vitest/extend';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  keyActivationDelayMs,
  newSigningKeySet,
  parseSigningKeySetWithDates,
  parseVerificationKeySet,
  rotateSigningKeySet,
  type SigningKeySet,
  signingKeyAt,
} from '#adapters/secrets/signing-key-set.ts';
import { SecretsManagerSigningKeys } from '#adapters/secrets/secrets-manager-signing-keys.ts';
import { issueAccessToken, verifyAccessToken } from '#core/auth/access-tokens.ts';
import { cryptoRandom } from '#adapters/system.ts';
import { rotate } from '../../../lambdas/ops/signing-key-rotation.ts';

const secretsManager = mockClient(SecretsManagerClient);
const secretId = 'phishx/dev/jwt-signing-key';
const verificationKeysSecretId = 'phishx/dev/jwt-verification-keys';
process.env.PHISHX_VERIFICATION_KEYS_SECRET_ID = verificationKeysSecretId;
const token = 'version-2';
const t0 = new Date('2026-11-01T00:00:00Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);
const event = (Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret') => ({
  SecretId: secretId,
  ClientRequestToken: token,
  Step,
});

let current: SigningKeySet;
beforeEach(async () => {
  secretsManager.reset();
  current = await newSigningKeySet(t0);
});

describe('rotateSigningKeySet', () => {
  it('puts a new key first and keeps the current one for verification', async () => {
    const next = await rotateSigningKeySet(current, minutes(60 * 24 * 30));
    expect(next.keys).toHaveLength(2);
    expect(next.keys[1]).toEqual(current.keys[0]);
    expect(next.keys[0]?.kid).not.toBe(current.keys[0]?.kid);
  });

  it('drops a key only once its successor has signed for longer than a token lives', async () => {
    const second = await rotateSigningKeySet(current, minutes(100));
    // Rotated again soon after: the oldest key may still have signed live tokens, so it stays.
    const third = await rotateSigningKeySet(second, minutes(110));
    expect(third.keys).toHaveLength(3);
    // Long after: only the current signing key is kept beside the new one.
    const later = await rotateSigningKeySet(second, minutes(100 + 6 + 17));
    expect(later.keys.map((key) => key.kid)).toEqual([later.keys[0]?.kid, second.keys[0]?.kid]);
  });

  it('signs with a new key only after its activation delay (verifier caches learn it first)', async () => {
    const next = await rotateSigningKeySet(current, minutes(1000));
    expect(signingKeyAt(next, minutes(1000)).kid).toBe(current.keys[0]?.kid);
    expect(signingKeyAt(next, new Date(minutes(1000).getTime() + keyActivationDelayMs)).kid).toBe(
      next.keys[0]?.kid,
    );
    // A fresh deployment's only key signs at once.
    expect(signingKeyAt(current, t0).kid).toBe(current.keys[0]?.kid);
  });
});

describe('the rotation function (createSecret, setSecret, testSecret, finishSecret)', () => {
  const stages = (byVersion: Record<string, string[]>) =>
    secretsManager
      .on(DescribeSecretCommand)
      .resolves({ RotationEnabled: true, VersionIdsToStages: byVersion });

  it('runs the four steps: a pending set with a new kid, tested, then made current', async () => {
    stages({ 'version-1': ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretId, VersionStage: 'AWSPENDING', VersionId: token })
      .rejectsOnce(new ResourceNotFoundException({ $metadata: {}, message: 'no value' }));
    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretId, VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: JSON.stringify(current) });
    await rotate(event('createSecret'), minutes(60));
    const put = secretsManager.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      SecretId: secretId,
      ClientRequestToken: token,
      VersionStages: ['AWSPENDING'],
    });
    const pending = parseSigningKeySetWithDates(put?.SecretString as string);
    expect(pending.keys.map((key) => key.kid)).toEqual([pending.keys[0]?.kid, current.keys[0]?.kid]);

    secretsManager
      .on(GetSecretValueCommand, { SecretId: secretId, VersionStage: 'AWSPENDING', VersionId: token })
      .resolves({ SecretString: put?.SecretString as string });
    await rotate(event('setSecret'), minutes(60));
    // setSecret published the pending set's public halves: verifiers know the new key first.
    const published = secretsManager
      .commandCalls(PutSecretValueCommand)
      .find((call) => call.args[0].input.SecretId === verificationKeysSecretId)?.args[0].input;
    expect(published?.ClientRequestToken).toBe(token);
    expect(parseVerificationKeySet(published?.SecretString ?? '').map((key) => key.kid)).toEqual(
      pending.keys.map((key) => key.kid),
    );
    expect(published?.SecretString).not.toContain('"d"');
    await rotate(event('testSecret'), minutes(60));
    await rotate(event('finishSecret'), minutes(60));
    expect(secretsManager).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: 'version-1',
    });

    // A token signed with the old key before the rotation verifies with the rotated set.
    const settings = { issuer: 'https://phishx.test', audience: 'phishx-api' };
    const oldKey = (parseSigningKeySetWithDates(JSON.stringify(current)).keys[0] ?? {}) as never;
    const issued = await issueAccessToken({ subject: 's', tenant: 't', role: 'readonly' }, oldKey, settings, {
      clock: { now: () => minutes(59) },
      random: cryptoRandom,
    });
    await expect(
      verifyAccessToken(issued.token, pending.keys as never, settings, { now: () => minutes(61) }),
    ).resolves.toMatchObject({ subject: 's' });
  });

  it('does not create a second pending version when retried', async () => {
    stages({ 'version-1': ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(current) });
    await rotate(event('createSecret'), minutes(60));
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('refuses a token that is not a pending version, and a secret without rotation', async () => {
    stages({ 'version-1': ['AWSCURRENT'] });
    await expect(rotate(event('createSecret'), minutes(1))).rejects.toThrow(/not a version/);
    stages({ 'version-1': ['AWSCURRENT'], [token]: [] });
    await expect(rotate(event('testSecret'), minutes(1))).rejects.toThrow(/not pending/);
    secretsManager.on(DescribeSecretCommand).resolves({ RotationEnabled: false });
    await expect(rotate(event('createSecret'), minutes(1))).rejects.toThrow(/not enabled/);
  });
});

describe('SecretsManagerSigningKeys across a rotation', () => {
  it('keeps signing with the previous key until the new one is past its activation delay', async () => {
    const rotated = await rotateSigningKeySet(current, minutes(10));
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(rotated) });
    let now = minutes(10).getTime();
    const store = new SecretsManagerSigningKeys(new SecretsManagerClient({}), secretId, () => now);
    expect((await store.current()).kid).toBe(current.keys[0]?.kid);
    expect((await store.verificationKeys()).map((key) => key.kid)).toEqual(
      rotated.keys.map((key) => key.kid),
    );
    now += keyActivationDelayMs;
    expect((await store.current()).kid).toBe(rotated.keys[0]?.kid);
  });
});
