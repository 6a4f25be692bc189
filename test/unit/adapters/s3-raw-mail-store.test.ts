/** The S3 raw mail store against a mocked S3 client: bounds, lengths and typed errors. */
import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalRawMailStore } from '#adapters/local/local-raw-mail-store.ts';
import { S3RawMailStore } from '#adapters/s3/s3-raw-mail-store.ts';

const s3 = mockClient(S3Client);
const store = new S3RawMailStore(new S3Client({ region: 'eu-west-1' }), 'phishx-dev-mail');
// The adapter reads the body as an async iterable of bytes, which Node's SDK stream is.
const body = (...chunks: Uint8Array[]) => Readable.from(chunks) as never;
const bytes = (text: string) => new TextEncoder().encode(text);

beforeEach(() => s3.reset());

describe('S3RawMailStore', () => {
  it('reads the object from the configured bucket and key, in chunks', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: body(bytes('From: a@'), bytes('b.example\r\n\r\nhi')),
      ContentLength: 23,
    });
    const raw = await store.read('inbound/abc', 1024);
    expect(Buffer.from(raw).toString()).toBe('From: a@b.example\r\n\r\nhi');
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'phishx-dev-mail', Key: 'inbound/abc' });
  });

  it('a missing object is mail_object_missing', async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    await expect(store.read('inbound/gone', 1024)).rejects.toMatchObject({
      name: 'RawMailError',
      code: 'mail_object_missing',
    });
  });

  it('fewer bytes than the stated length is mail_object_truncated', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(bytes('From: a@b.example\r\n')), ContentLength: 5000 });
    await expect(store.read('inbound/cut', 10_000)).rejects.toMatchObject({ code: 'mail_object_truncated' });
  });

  it('refuses an object over the limit before reading its body', async () => {
    let pulled = false;
    const stream = Readable.from(
      (async function* () {
        pulled = true;
        yield bytes('x');
      })(),
    ) as never;
    s3.on(GetObjectCommand).resolves({ Body: stream, ContentLength: 41 * 1024 * 1024 });
    await expect(store.read('inbound/huge', 40 * 1024 * 1024)).rejects.toMatchObject({
      code: 'mail_object_too_large',
    });
    expect(pulled).toBe(false);
  });

  it('without a stated length, stops at the limit', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(new Uint8Array(600), new Uint8Array(600)) });
    await expect(store.read('inbound/nolength', 1000)).rejects.toMatchObject({
      code: 'mail_object_too_large',
    });
    s3.on(GetObjectCommand).resolves({ Body: body(new Uint8Array(600), new Uint8Array(300)) });
    expect((await store.read('inbound/nolength', 1000)).byteLength).toBe(900);
  });

  it('other S3 errors pass through (and are retried by Lambda)', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(store.read('inbound/x', 1024)).rejects.toThrow('Access Denied');
  });
});

describe('LocalRawMailStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'phishx-bucket-'));
  mkdirSync(join(root, 'inbound'));
  writeFileSync(join(root, 'inbound', 'm1'), 'From: a@b.example\r\n\r\nhi');
  const local = new LocalRawMailStore(root);

  it('reads a file by key, with the same errors as S3', async () => {
    expect((await local.read('inbound/m1', 1024)).byteLength).toBe(23);
    await expect(local.read('inbound/none', 1024)).rejects.toMatchObject({ code: 'mail_object_missing' });
    await expect(local.read('inbound/m1', 10)).rejects.toMatchObject({ code: 'mail_object_too_large' });
  });

  it('refuses a key that leaves the folder', async () => {
    await expect(local.read('../etc/passwd', 1024)).rejects.toThrow(/Invalid object key/);
  });
});
