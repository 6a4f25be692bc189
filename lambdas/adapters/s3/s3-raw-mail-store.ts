/**
 * Raw messages from the SES mail bucket. The object is read into one buffer of its stated
 * length (no growing concatenation: a 25 MB message costs 25 MB here), refusing anything over
 * the limit before reading it, and checking that every stated byte arrived.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RawMailError } from '#core/ingest/raw-mail.ts';
import type { RawMailStore } from '#core/ports.ts';

const isMissing = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
};

const tooLarge = (maxBytes: number) =>
  new RawMailError('mail_object_too_large', `The stored message exceeds the ${maxBytes}-byte limit`);

/** Reads a body stream into `length` bytes (or up to `maxBytes` when the length is unknown). */
export const readBounded = async (
  body: AsyncIterable<Uint8Array>,
  length: number | undefined,
  maxBytes: number,
): Promise<Uint8Array> => {
  const capacity = length ?? maxBytes;
  let buffer = Buffer.allocUnsafe(length ?? Math.min(maxBytes, 1024 * 1024));
  let received = 0;
  for await (const chunk of body) {
    if (received + chunk.byteLength > capacity) {
      throw length === undefined
        ? tooLarge(maxBytes)
        : new RawMailError('mail_object_corrupt', 'The stored message is longer than its stated length');
    }
    if (received + chunk.byteLength > buffer.byteLength) {
      const grown = Buffer.allocUnsafe(
        Math.min(capacity, Math.max(buffer.byteLength * 2, received + chunk.byteLength)),
      );
      buffer.copy(grown, 0, 0, received);
      buffer = grown;
    }
    buffer.set(chunk, received);
    received += chunk.byteLength;
  }
  if (length !== undefined && received < length) {
    throw new RawMailError(
      'mail_object_truncated',
      `The stored message ended after ${received} of ${length} bytes`,
    );
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, received);
};

export class S3RawMailStore implements RawMailStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async read(key: string, maxBytes: number): Promise<Uint8Array> {
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) {
        throw new RawMailError('mail_object_missing', 'No stored message under the key SES reported');
      }
      throw error;
    }
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (!body) throw new RawMailError('mail_object_missing', 'The stored message has no body');
    const length = response.ContentLength;
    if (length !== undefined && length > maxBytes) {
      body.destroy?.();
      throw tooLarge(maxBytes);
    }
    try {
      return await readBounded(body, length, maxBytes);
    } catch (error) {
      body.destroy?.();
      throw error;
    }
  }
}
