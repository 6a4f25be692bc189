/**
 * The rotation job's handler on memory ports: it stops asking for pages when the invocation
 * nears its timeout, publishes the job's metrics, and on an error publishes what it did and
 * fails the invocation (Lambda retries; the cursors are saved).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as RewrapModule from '../../../lambdas/ops/rewrap-items.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { sealItem } from '#core/crypto/item-envelope.ts';
import { sealedEmailLocation } from '#core/rotation/rewrap-items.ts';
import { envNames } from '#shared/env.ts';
import { logger, metrics } from '#shared/observability.ts';
import { MemoryBranchKeyRepository } from '../../support/memory-branch-keys.ts';
import { MemoryRewrapCheckpoints, MemoryRewrapSource } from '../../support/rewrap-memory-ports.ts';

let rewrap: typeof RewrapModule;
let repository: MemoryBranchKeyRepository;
let keyring: BranchKeyring;
let source: MemoryRewrapSource;
let checkpoints: MemoryRewrapCheckpoints;

beforeAll(async () => {
  // The module wires its AWS adapters from the environment when imported (nothing is called).
  Object.assign(process.env, { [envNames.tableName]: 'unused', [envNames.dataKeyId]: 'unused' });
  rewrap = await import('../../../lambdas/ops/rewrap-items.ts');
});

beforeEach(async () => {
  repository = new MemoryBranchKeyRepository();
  keyring = new BranchKeyring({
    repository,
    kms: LocalDataKeyProvider.fromFile(
      join(mkdtempSync(join(tmpdir(), 'phishx-')), 'master.key'),
      cryptoRandom,
    ),
    clock: systemClock,
  });
  source = new MemoryRewrapSource(repository, 2);
  checkpoints = new MemoryRewrapCheckpoints();
  for (let n = 0; n < 6; n += 1) {
    const ref = { tenant: 'acme', id: `e${n}` };
    const { fields, ...envelope } = await sealItem({ subject: Uint8Array.of(n) }, sealedEmailLocation(ref), {
      keyring,
      random: cryptoRandom,
    });
    source.put({ ...ref, envelope, fields });
  }
  await keyring.rotate('acme');
});

const handlerFor = () =>
  rewrap.createRewrapHandler(
    { source, checkpoints, keyring, branchKeys: repository, clock: systemClock, random: cryptoRandom },
    { totalSegments: 1 },
  );

/** A context whose remaining time drops below the stop margin once `pages` more pages were scanned. */
const contextFor = (pages: number) => {
  const until = source.scans + pages;
  return {
    functionName: 'rewrap-items',
    awsRequestId: 'r',
    getRemainingTimeInMillis: () => (source.scans < until ? 600_000 : rewrap.stopMarginMilliseconds - 1),
  } as Context;
};

const recordedMetrics = () => {
  const spy = vi.spyOn(metrics, 'addMetric');
  return {
    values: () => Object.fromEntries(spy.mock.calls.map(([name, unit, value]) => [name, { unit, value }])),
    restore: () => spy.mockRestore(),
  };
};

describe('rewrap-items handler', () => {
  it('stops before the timeout with its cursor saved, and the next invocation finishes the pass', async () => {
    const handler = handlerFor();
    const recorded = recordedMetrics();
    const first = await handler({}, contextFor(1));
    expect(first).toMatchObject({ scanned: 2, rewrapped: 2, passComplete: false });
    expect(recorded.values()).toEqual({
      RewrapScanned: { unit: 'Count', value: 2 },
      ItemsRewrapped: { unit: 'Count', value: 2 },
      RewrapFailures: { unit: 'Count', value: 0 },
      BranchKeysRotated: { unit: 'Count', value: 0 },
      RewrapSegmentsComplete: { unit: 'Count', value: 0 },
      RewrapPassPercent: { unit: 'Percent', value: 0 },
    });
    recorded.restore();

    const second = await handler({}, contextFor(100));
    expect(second).toMatchObject({ pass: 1, scanned: 4, rewrapped: 4, passComplete: true });
    expect([...source.emails.values()].every((email) => email.envelope.branchVersion === 2)).toBe(true);
  });

  it('publishes what it did and fails the invocation when a segment stops on an error', async () => {
    source.failOnScan = 2;
    const recorded = recordedMetrics();
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    await expect(handlerFor()({}, contextFor(100))).rejects.toThrow(/segments stopped on an error/);
    expect(recorded.values().ItemsRewrapped).toEqual({ unit: 'Count', value: 2 });
    expect(logged).toHaveBeenCalledWith(
      expect.stringMatching(/resumes from its checkpoints/),
      expect.objectContaining({ rewrapped: 2, passComplete: false }),
    );
    logged.mockRestore();
    recorded.restore();
    expect(checkpoints.segments.get(0)).toMatchObject({ pass: 1, done: false });
  });
});
