/**
 * The normalised form of one message: what parsing produces, what the detection engine reads,
 * and what is stored (encrypted) between ingest and analysis. Plain JSON-serialisable data,
 * bounded in size (bodies and extracted attachment text are capped, see `truncated`).
 */
export interface EmailAddress {
  /** Display name as decoded (RFC 2047), possibly empty. */
  readonly name: string;
  /** The addr-spec as written, possibly empty when the header was malformed. */
  readonly address: string;
}

export interface HeaderField {
  /** Lower-case field name. */
  readonly name: string;
  /** Unfolded, RFC 2047-decoded value. */
  readonly value: string;
}

export interface Attachment {
  readonly filename: string | null;
  /** Content-Type as the message declares it (lower-case, no parameters). */
  readonly declaredType: string;
  /** Type recognised from the first bytes (magic numbers), or null when unknown. */
  readonly sniffedType: string | null;
  readonly size: number;
  /** Lower-case hex SHA-256 of the decoded bytes. */
  readonly sha256: string;
  readonly disposition: 'attachment' | 'inline' | null;
  /** Text extracted from textual attachments (HTML, SVG, plain text), capped. */
  readonly text?: string;
  /** Facts learned from the bytes that the raw content is not kept for (macros, encryption…). */
  readonly traits?: readonly string[];
}

export interface ParsedEmail {
  readonly messageId: string | null;
  /** The Date header as written (never scored: see the corpus era leak). */
  readonly date: string | null;
  readonly subject: string;
  readonly from: EmailAddress | null;
  readonly sender: EmailAddress | null;
  readonly replyTo: readonly EmailAddress[];
  /** Envelope sender from Return-Path, without angle brackets, or null. */
  readonly returnPath: string | null;
  readonly to: readonly EmailAddress[];
  readonly cc: readonly EmailAddress[];
  readonly bcc: readonly EmailAddress[];
  /** All header fields in order, top first. */
  readonly headers: readonly HeaderField[];
  /** Plain-text body; when the message has only HTML, text derived from it. */
  readonly text: string;
  /** HTML body, or empty. */
  readonly html: string;
  readonly attachments: readonly Attachment[];
  /** Size of the raw message in bytes. */
  readonly size: number;
  /** True when a body or an attachment's text was cut to the size cap. */
  readonly truncated: boolean;
  /** What was wrong with the message's structure, for findings and diagnostics. */
  readonly defects: readonly string[];
}
