/**
 * The gate in front of the parser: is this byte string an RFC 5322 message at all? The MIME
 * parser accepts anything (a JPEG parses as a message with no headers), so ingest checks the
 * header section's grammar first and answers a clear 4xx instead of analysing noise.
 */
import { DomainError, invalidRequest } from '../errors.ts';

/** Header fields of which a real message carries at least one. */
const identifyingFields = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'received',
  'return-path',
  'reply-to',
  'mime-version',
]);

// field-name = 1*(printable US-ASCII except ":"), then ":" (RFC 5322 §3.6.8). Some gateways
// put whitespace before the colon (obsolete syntax, §4.5.3), which we tolerate.
const fieldLine = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;
const mboxSeparator = /^From \S/;
const headerScanLimit = 256 * 1024;

/** Where the header section ends: the first empty line, or the end of the scanned prefix. */
const headerSection = (raw: Uint8Array): string => {
  const prefix = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, headerScanLimit)).toString(
    'latin1',
  );
  const end = prefix.search(/\r?\n\r?\n/);
  return end === -1 ? prefix : prefix.slice(0, end);
};

export const assertRawEmail = (raw: Uint8Array, maxBytes: number): void => {
  if (raw.byteLength === 0)
    throw invalidRequest('empty_body', 'The request body is empty; send one raw RFC 822 message');
  if (raw.byteLength > maxBytes) {
    throw new DomainError(
      'payload_too_large',
      'email_too_large',
      `The message exceeds the ${maxBytes}-byte limit`,
    );
  }
  const lines = headerSection(raw)
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  if (lines[0] !== undefined && mboxSeparator.test(lines[0])) lines.shift();

  const names = new Set<string>();
  for (const [index, line] of lines.entries()) {
    if (line.includes('\0')) throw notAnEmail();
    const field = fieldLine.exec(line);
    if (field?.[1]) {
      names.add(field[1].toLowerCase());
    } else if (index === 0 || !/^[ \t]/.test(line)) {
      // Neither a field nor a folded continuation of one.
      throw notAnEmail();
    }
  }
  if (![...names].some((name) => identifyingFields.has(name))) throw notAnEmail();
};

const notAnEmail = () =>
  invalidRequest('not_an_email', 'The body is not an RFC 822 message: it has no valid header section');
