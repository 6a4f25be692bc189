/**
 * Which parts of a parsed message are personal, and how they are packed into the separately
 * sealed fields of a stored email: sender, recipients, subject, headers, body. Everything that
 * quotes the message goes into one of them; nothing personal is left in clear.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ParsedEmail } from '../email/parsed-email.ts';

export const personalFieldNames = ['sender', 'recipients', 'subject', 'headers', 'body'] as const;
export type PersonalFieldName = (typeof personalFieldNames)[number];
export type PersonalFields = Record<PersonalFieldName, Uint8Array>;

const utf8 = new TextEncoder();
const json = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value));
const packed = (value: unknown): Uint8Array => gzipSync(json(value));
const unpacked = <T>(bytes: Uint8Array): T => JSON.parse(gunzipSync(bytes).toString('utf8')) as T;
const parsed = <T>(bytes: Uint8Array): T => JSON.parse(Buffer.from(bytes).toString('utf8')) as T;

type Body = Omit<
  ParsedEmail,
  'from' | 'sender' | 'replyTo' | 'returnPath' | 'to' | 'cc' | 'bcc' | 'subject' | 'headers'
>;

export const toPersonalFields = (email: ParsedEmail): PersonalFields => {
  const { from, sender, replyTo, returnPath, to, cc, bcc, subject, headers, ...body } = email;
  return {
    sender: json({ from, sender, replyTo, returnPath }),
    recipients: json({ to, cc, bcc }),
    subject: utf8.encode(subject),
    headers: packed(headers),
    body: packed(body satisfies Body),
  };
};

export const fromPersonalFields = (fields: Readonly<Record<string, Uint8Array>>): ParsedEmail => {
  const field = (name: PersonalFieldName): Uint8Array => {
    const value = fields[name];
    if (!value) throw new Error(`The stored email lacks its ${name} field`);
    return value;
  };
  return {
    ...parsed<Pick<ParsedEmail, 'from' | 'sender' | 'replyTo' | 'returnPath'>>(field('sender')),
    ...parsed<Pick<ParsedEmail, 'to' | 'cc' | 'bcc'>>(field('recipients')),
    subject: Buffer.from(field('subject')).toString('utf8'),
    headers: unpacked<ParsedEmail['headers']>(field('headers')),
    ...unpacked<Body>(field('body')),
  };
};

export const personalFieldsSize = (fields: PersonalFields): number =>
  Object.values(fields).reduce((total, value) => total + value.byteLength, 0);

/**
 * Shrinks a message until its packed fields fit the budget (a DynamoDB item holds 400 KB):
 * first the HTML, then attachment text, then the plain text, each halved in turn. The parser
 * already caps bodies, so this only bites on pathological input; `truncated` records it.
 */
export const fitPersonalFields = (email: ParsedEmail, budgetBytes: number): PersonalFields => {
  let candidate = email;
  for (let round = 0; round < 40; round += 1) {
    const fields = toPersonalFields(candidate);
    if (personalFieldsSize(fields) <= budgetBytes) return fields;
    candidate = shrink(candidate);
  }
  throw new Error('The message cannot be reduced to fit storage');
};

const half = (text: string) => text.slice(0, Math.floor(text.length / 2));

const shrink = (email: ParsedEmail): ParsedEmail => {
  if (email.html.length > 1024) return { ...email, html: half(email.html), truncated: true };
  if (email.attachments.some((a) => (a.text?.length ?? 0) > 1024)) {
    return {
      ...email,
      attachments: email.attachments.map((a) => (a.text ? { ...a, text: half(a.text) } : a)),
      truncated: true,
    };
  }
  if (email.text.length > 1024) return { ...email, text: half(email.text), truncated: true };
  if (email.headers.length > 50) return { ...email, headers: email.headers.slice(0, 50), truncated: true };
  if (email.attachments.length > 10)
    return { ...email, attachments: email.attachments.slice(0, 10), truncated: true };
  return {
    ...email,
    html: '',
    text: half(email.text),
    subject: email.subject.slice(0, 1000),
    truncated: true,
  };
};
