/**
 * Raw mail as a receiving mail server stored it (SES inbound writes each message to S3 before
 * PhishX is invoked). Reading it can fail in ways that must never drop a message silently:
 * each is a `RawMailError` with a stable code, thrown so the invocation fails and is retried,
 * and after the last retry the event lands in the dead-letter queue with that reason.
 */

export type RawMailErrorCode =
  /** No object under the key (not written, or already expired by the bucket's lifecycle). */
  | 'mail_object_missing'
  /** Fewer bytes than stored, or a multipart message without its closing delimiter. */
  | 'mail_object_truncated'
  /** Larger than the receiving server accepts at all: not a message we were meant to get. */
  | 'mail_object_too_large'
  /** Not an RFC 5322 message. */
  | 'mail_object_corrupt';

export class RawMailError extends Error {
  override readonly name = 'RawMailError';
  constructor(
    readonly code: RawMailErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isRawMailError = (error: unknown): error is RawMailError => error instanceof RawMailError;

const headerScanLimit = 256 * 1024;

/** The top-level Content-Type's boundary, when the message is multipart. */
const multipartBoundary = (raw: Uint8Array): string | null => {
  const prefix = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, headerScanLimit)).toString(
    'latin1',
  );
  const end = prefix.search(/\r?\n\r?\n/);
  const headers = (end === -1 ? prefix : prefix.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const contentType = /^content-type[ \t]*:(.*)$/im.exec(headers)?.[1];
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return null;
  const boundary = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return boundary?.[1] ?? boundary?.[2] ?? null;
};

/**
 * Checks that a stored message is whole. A multipart message ends its body with
 * `--<boundary>--` (RFC 2046 §5.1.1); an object cut short loses it. (A single-part message has
 * no such marker; the store's own length check is what guards it.)
 */
export const assertCompleteMessage = (raw: Uint8Array): void => {
  const boundary = multipartBoundary(raw);
  if (boundary === null) return;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.indexOf(`\n--${boundary}--`, 0, 'latin1') === -1) {
    throw new RawMailError(
      'mail_object_truncated',
      'The stored message is multipart but lacks its closing delimiter: it was cut short',
    );
  }
};
