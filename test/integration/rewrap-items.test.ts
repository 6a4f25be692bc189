/**
 * The rotation job on DynamoDB Local, end to end: emails ingested for two tenants (sealed,
 * beacons, branch keys in the table), one tenant rotated, the job interrupted after a page and
 * resumed. Every item of that tenant ends on the new version and opens to the same plaintext;
 * nothing else of any item changed; the other tenant is untouched; a second run rewraps nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTenantRepository } from '#adapters/dynamodb/account-repositories.ts';
import { DynamoDbBranchKeyRepository } from '#adapters/dynamodb/branch-key-repository.ts';
import { DynamoDbEmailRepository } from '#adapters/dynamodb/email-repository.ts';
import { emailKey } from '#adapters/dynamodb/keys.ts';
import { DynamoDbRewrapCheckpoints, rewrapOpsPartition } from '#adapters/dynamodb/rewrap-checkpoints.ts';
import { DynamoDbRewrapSource } from '#adapters/dynamodb/rewrap-scan.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { analyseQueuedEmail } from '#core/analysis/analyse-email.ts';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { openEmail, openFindings } from '#core/emails/email-envelope.ts';
import { ingestEmail } from '#core/ingest/ingest-email.ts';
import type { StoredEmail } from '#core/ports.ts';
import { type RewrapFailureReason, type RewrapPorts, runRewrap } from '#core/rotation/rewrap-items.ts';
import { freshTable } from '../support/local-table.ts';
import { CountingKms } from '../support/memory-branch-keys.ts';

const master = LocalDataKeyProvider.fromFile(
  join(mkdtempSync(join(tmpdir(), 'phishx-rewrap-')), 'master.key'),
  cryptoRandom,
);
const perTenant = { acme: 8, globex: 5 } as const;
type Tenant = keyof typeof perTenant;

let documents: DynamoDBDocumentClient;
let tableName: string;
let emails: DynamoDbEmailRepository;
let branchKeys: DynamoDbBranchKeyRepository;
/** The ingest side's keyring (an ingest function's). */
let writer: BranchKeyring;
const ids: Record<Tenant, string[]> = { acme: [], globex: [] };

const message = (tenant: string, n: number) =>
  new TextEncoder().encode(
    `From: Billing ${n} <billing${n}@vendor-${n}.example>\r\nTo: ap@${tenant}.example, cfo@${tenant}.example\r\n` +
      `Subject: Invoice ${tenant}-${n} overdue\r\nMessage-ID: <${tenant}-${n}@vendor.example>\r\n\r\n` +
      `Please pay invoice ${n} at https://pay.vendor-${n}.example/i/${n} today.\r\n`,
  );

const rawItem = async (tenant: string, id: string) =>
  (
    await documents.send(
      new GetCommand({ TableName: tableName, Key: emailKey(tenant, id), ConsistentRead: true }),
    )
  ).Item as Record<string, unknown>;

const plaintexts = async (tenant: Tenant, keyring: BranchKeyring) =>
  Promise.all(
    ids[tenant].map(async (id) => {
      const stored = (await emails.get(tenant, id)) as StoredEmail;
      const opened = await openEmail(stored, { keyring, random: cryptoRandom });
      opened.close();
      const findings = stored.result
        ? await openFindings(stored, stored.result.sealedFindings, { keyring, random: cryptoRandom })
        : null;
      return { email: opened.email, findings };
    }),
  );

/** A job as a cold function would run it: its own keyring over the same table and master key. */
const jobPorts = (failures: { id: string; reason: RewrapFailureReason }[] = []) => {
  const kms = new CountingKms(master);
  const keyring = new BranchKeyring({ repository: branchKeys, kms, clock: systemClock });
  const ports: RewrapPorts = {
    source: new DynamoDbRewrapSource(documents, tableName, 5),
    checkpoints: new DynamoDbRewrapCheckpoints(documents, tableName),
    keyring,
    branchKeys,
    clock: systemClock,
    random: cryptoRandom,
    onFailure: (item, reason) => failures.push({ id: item.id, reason }),
  };
  return { ports, kms, keyring };
};

beforeAll(async () => {
  ({ documents, tableName } = await freshTable());
  emails = new DynamoDbEmailRepository(documents, tableName);
  branchKeys = new DynamoDbBranchKeyRepository(documents, tableName);
  writer = new BranchKeyring({ repository: branchKeys, kms: master, clock: systemClock });
  const ports = {
    emails,
    queue: { enqueue: async () => undefined },
    keyring: writer,
    clock: systemClock,
    random: cryptoRandom,
    parse: parseEmail,
  };
  for (const tenant of Object.keys(perTenant) as Tenant[]) {
    for (let n = 0; n < perTenant[tenant]; n += 1) {
      const { id } = await ingestEmail(
        { tenant, raw: message(tenant, n), source: 'api', maxBytes: 1 << 20, retentionDays: 90 },
        ports,
      );
      ids[tenant].push(id);
    }
  }
  // One analysed email per tenant: its findings are sealed under the item's data key too.
  const analyse = {
    emails,
    tenants: new DynamoDbTenantRepository(documents, tableName),
    keyring: writer,
    clock: systemClock,
    random: cryptoRandom,
    analyse: analyseEmail,
  };
  for (const tenant of Object.keys(perTenant) as Tenant[]) {
    await analyseQueuedEmail({ tenant, id: ids[tenant][0] as string }, analyse);
  }
});

describe('rewrap job on DynamoDB Local', () => {
  it('re-wraps a rotated tenant across an interruption; the other tenant is untouched; a rerun is a no-op', async () => {
    const before = { acme: await plaintexts('acme', writer), globex: await plaintexts('globex', writer) };
    const rawBefore = {
      acme: await Promise.all(ids.acme.map((id) => rawItem('acme', id))),
      globex: await Promise.all(ids.globex.map((id) => rawItem('globex', id))),
    };
    expect(
      rawBefore.acme.every((item) => (item.envelope as { branchVersion: number }).branchVersion === 1),
    ).toBe(true);
    expect(await writer.rotate('acme')).toBe(2);

    // Interrupted after one page (as when the function nears its timeout).
    let pages = 0;
    const first = jobPorts();
    const interrupted = await runRewrap(first.ports, { totalSegments: 2, keepGoing: () => pages++ < 1 });
    expect(interrupted).toMatchObject({ pass: 1, passComplete: false, failed: 0 });
    // Part of the work, not none and not all (page of 5 evaluated items: emails, beacons, keys).
    expect(interrupted.scanned).toBeGreaterThan(0);
    expect(interrupted.scanned).toBeLessThan(perTenant.acme + perTenant.globex);
    const { Items: ops = [] } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': rewrapOpsPartition },
      }),
    );
    expect(ops.map((item) => item.sk).sort()).toEqual(['PASS', 'SEGMENT#0000']);
    expect(ops.find((item) => item.sk === 'SEGMENT#0000')).toMatchObject({ pass: 1, done: false });

    // Resumed by the next invocation (a fresh keyring, as after a cold start).
    const second = jobPorts();
    const resumed = await runRewrap(second.ports, { totalSegments: 2 });
    expect(resumed).toMatchObject({
      pass: 1,
      passComplete: true,
      failed: 0,
      skipped: 0,
      segmentsComplete: 2,
    });
    // Stops fall between pages: across both runs every email was scanned exactly once.
    const total = perTenant.acme + perTenant.globex;
    expect(interrupted.scanned + resumed.scanned).toBe(total);
    expect(interrupted.rewrapped + resumed.rewrapped).toBe(perTenant.acme);
    expect(interrupted.alreadyCurrent + resumed.alreadyCurrent).toBe(perTenant.globex);
    // Branch keys unwrapped once per version, not once per item.
    expect(second.kms.calls).toBeLessThanOrEqual(2);

    // acme: every item on version 2, the same plaintext and findings, nothing but the envelope changed.
    const rawAfter = await Promise.all(ids.acme.map((id) => rawItem('acme', id)));
    rawAfter.forEach((item, index) => {
      const { envelope, ...rest } = item;
      const { envelope: old, ...restBefore } = rawBefore.acme[index] as Record<string, unknown>;
      expect(envelope).toMatchObject({ format: 2, branchVersion: 2 });
      expect((envelope as { wrappedKey: Uint8Array }).wrappedKey).not.toEqual(
        (old as { wrappedKey: Uint8Array }).wrappedKey,
      );
      expect(rest).toEqual(restBefore);
    });
    expect(await plaintexts('acme', second.keyring)).toEqual(before.acme);
    expect(await plaintexts('acme', writer)).toEqual(before.acme);

    // globex: byte for byte as it was, and still opens.
    expect(await Promise.all(ids.globex.map((id) => rawItem('globex', id)))).toEqual(rawBefore.globex);
    expect(await plaintexts('globex', second.keyring)).toEqual(before.globex);

    // A second run is a new pass that finds everything current.
    const rawSettled = await Promise.all(ids.acme.map((id) => rawItem('acme', id)));
    const again = await runRewrap(jobPorts().ports, { totalSegments: 2 });
    expect(again).toMatchObject({
      pass: 2,
      scanned: total,
      rewrapped: 0,
      alreadyCurrent: total,
      passComplete: true,
    });
    expect(await Promise.all(ids.acme.map((id) => rawItem('acme', id)))).toEqual(rawSettled);
  });

  it('counts a tampered item by id and carries on; never overwrites an envelope that changed meanwhile', async () => {
    const id = ids.acme[1] as string;
    const item = await rawItem('acme', id);
    const envelope = item.envelope as { branchVersion: number; signature: Uint8Array };
    // An item stuck on version 1 with a broken signature: it must be counted, not re-wrapped.
    const tampered = { ...item, envelope: { ...envelope, branchVersion: 1, signature: new Uint8Array(32) } };
    await documents.send(new PutCommand({ TableName: tableName, Item: tampered }));
    // And one whose envelope is malformed.
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...emailKey('acme', 'f'.repeat(32)),
          tenant: 'acme',
          id: 'f'.repeat(32),
          envelope: 'nonsense',
        },
      }),
    );

    const failures: { id: string; reason: RewrapFailureReason }[] = [];
    const report = await runRewrap(jobPorts(failures).ports, { totalSegments: 3 });
    expect(report).toMatchObject({ failed: 2, rewrapped: 0, passComplete: true });
    expect(failures.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id, reason: 'integrity' },
        { id: 'f'.repeat(32), reason: 'malformed' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(await rawItem('acme', id)).toEqual(tampered);

    // The conditional write: an envelope that is no longer the one read is left alone.
    const source = new DynamoDbRewrapSource(documents, tableName);
    const current = ((await emails.get('acme', ids.acme[2] as string)) as StoredEmail).envelope;
    const stale = { ...current, signature: new Uint8Array(32).fill(1) };
    expect(await source.replaceEnvelope({ tenant: 'acme', id: ids.acme[2] as string }, stale, stale)).toBe(
      false,
    );
    expect(await source.replaceEnvelope({ tenant: 'acme', id: 'gone' }, current, current)).toBe(false);
    expect(((await emails.get('acme', ids.acme[2] as string)) as StoredEmail).envelope).toEqual(current);
  });
});
