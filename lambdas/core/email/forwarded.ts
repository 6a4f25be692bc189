/**
 * A message forwarded inline ("Fw: …" with the original's From/Sent/To/Subject block in the
 * body), read back as the message it forwards. Users and SOC mailboxes report phishing this way,
 * and the forwarder's own headers say nothing about the original sender: the engine scores both
 * and keeps the worse (see detection/engine.ts), so a forged forward cannot hide a lure either.
 */
import { addressParser } from 'postal-mime';
import type { EmailAddress, ParsedEmail } from './parsed-email.ts';

/** Subject prefixes clients put on forwards: Fw/Fwd, Enc (PT), RV (ES), TR (FR), WG (DE), Doorst (NL). */
const FORWARD_SUBJECT =
  /^\s*(?:\[[^\]]{0,40}\]\s*)?(?:(?:re|aw|sv)\s*:\s*)*(?:fwd?|enc|tr|wg|rv|doorst)\s*:/i;

/** Separator lines that say the block below is forwarded, whatever the subject says. */
const FORWARD_SEPARATOR =
  /^[ \t>*]*(?:-{5,}\s*(?:forwarded message|mensagem encaminhada|mensaje reenviado|message transf[eé]r[eé]|weitergeleitete nachricht|doorgestuurd bericht|messaggio inoltrato)\s*-*|begin forwarded message:)\s*$/im;

/** Any separator line a client writes above a quoted header block (Outlook writes underscores). */
const SEPARATOR = /^[ \t>*]*(?:_{10,}|-{5,}[^\n]{0,40}-{5,}|-{20,}|begin forwarded message:)\s*$/im;

type Field = 'from' | 'to' | 'subject' | 'date' | 'cc';

const FIELD_NAMES: Readonly<Record<string, Field>> = {
  from: 'from',
  de: 'from',
  von: 'from',
  van: 'from',
  da: 'from',
  från: 'from',
  sent: 'date',
  date: 'date',
  enviado: 'date',
  enviada: 'date',
  envoyé: 'date',
  gesendet: 'date',
  datum: 'date',
  verzonden: 'date',
  inviato: 'date',
  data: 'date',
  fecha: 'date',
  to: 'to',
  para: 'to',
  à: 'to',
  an: 'to',
  aan: 'to',
  a: 'to',
  cc: 'cc',
  subject: 'subject',
  assunto: 'subject',
  asunto: 'subject',
  objet: 'subject',
  betreff: 'subject',
  onderwerp: 'subject',
  oggetto: 'subject',
  ämne: 'subject',
};

const FIELD_LINE = /^[ \t>]*\*?([\p{L}]{1,10})\s?:\*?[ \t]*(.*)$/u;

/** Where the forward block must start: clients put it at the top, under at most a short note. */
const SEARCH_CHARS = 3000;

/**
 * The forwarded original as a ParsedEmail, or null when the message is not an inline forward.
 * It carries the original's sender, recipients, subject and body; no header fields (what the
 * forwarder's servers stated about authentication is about the forwarder), and the outer
 * attachments (a forward attaches what the original did).
 */
export function unwrapForward(email: ParsedEmail): ParsedEmail | null {
  const head = email.text.slice(0, SEARCH_CHARS);
  if (!FORWARD_SUBJECT.test(email.subject) && !FORWARD_SEPARATOR.test(head)) return null;
  const separator = SEPARATOR.exec(head);
  const lines = email.text.slice(separator ? separator.index + separator[0].length : 0).split(/\r?\n/);

  // The block opens with the original's From line, under at most a short note.
  const fieldOf = (line: string | undefined) => {
    const m = FIELD_LINE.exec(line ?? '');
    const field = m ? FIELD_NAMES[(m[1] ?? '').toLowerCase()] : undefined;
    return field ? { field, value: (m?.[2] ?? '').trim() } : null;
  };
  let i = lines.slice(0, 12).findIndex((line) => fieldOf(line)?.field === 'from');
  if (i < 0) return null;
  const fields: Partial<Record<Field, string>> = {};
  for (let f = fieldOf(lines[i]); f && fields[f.field] === undefined; f = fieldOf(lines[++i]))
    fields[f.field] = f.value;
  if (fields.from === undefined || fields.subject === undefined) return null;

  const body = lines
    .slice(i)
    .map((l) => l.replace(/^[ \t]*>[ \t]?/, ''))
    .join('\n')
    .trim();
  return {
    ...email,
    subject: fields.subject,
    from: addressesIn(fields.from)[0] ?? { name: fields.from.slice(0, 200), address: '' },
    sender: null,
    replyTo: [],
    returnPath: null,
    to: addressesIn(fields.to),
    cc: addressesIn(fields.cc),
    bcc: [],
    headers: [],
    text: body,
    defects: [],
  };
}

/** Addresses in a forwarded header line: "Name <a@b>", "Name [mailto:a@b]", or bare. */
function addressesIn(value: string | undefined): EmailAddress[] {
  if (!value) return [];
  try {
    return addressParser(value.replace(/\[mailto:([^\]\s]+)\]/gi, '<$1>'), { flatten: true })
      .filter((a) => a.address || a.name)
      .map((a) => ({ name: a.name.slice(0, 200), address: (a.address ?? '').slice(0, 320) }));
  } catch {
    return [];
  }
}
