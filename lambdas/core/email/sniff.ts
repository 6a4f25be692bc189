/**
 * Facts learned from attachment bytes at ingest, because the raw bytes are not kept:
 * the type by magic numbers, macro markers, archive entry names, encryption, PDF actions.
 * Pure and bounded: every scan looks at a capped window of the bytes.
 */
import { readQrCode } from './qr.ts';

const SCAN_LIMIT = 2 * 1024 * 1024;
const MAX_ARCHIVE_ENTRIES = 40;

function startsWith(bytes: Uint8Array, sig: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[offset + i] !== sig[i]) return false;
  return true;
}

/** Latin-1 view of the first `limit` bytes: cheap substring search over binary data. */
export function latin1(bytes: Uint8Array, limit = SCAN_LIMIT): string {
  const end = Math.min(bytes.length, limit);
  // Node's latin1 decoder maps each byte to one character natively (TextDecoder's "latin1" is
  // windows-1252, which would not round-trip bytes 0x80-0x9f).
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}

function asciiHead(bytes: Uint8Array, n: number): string {
  return latin1(bytes, n)
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
}

/** The type recognised from the first bytes, or null when unknown. */
export function sniffType(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]))
    return 'application/zip';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'application/x-ole-storage';
  if (startsWith(bytes, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'application/vnd.rar';
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return 'application/x-7z-compressed';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'application/gzip';
  if (startsWith(bytes, [0x4d, 0x53, 0x43, 0x46])) return 'application/vnd.ms-cab-compressed';
  if (startsWith(bytes, [0x4d, 0x5a])) return 'application/x-msdownload';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
  if (startsWith(bytes, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return 'application/x-ms-shortcut';
  if (startsWith(bytes, [0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d])) return 'application/onenote';
  if (startsWith(bytes, [0x43, 0x44, 0x30, 0x30, 0x31], 0x8001)) return 'application/x-iso9660-image';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length > 26) return 'image/bmp';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return 'image/webp';
  if (startsWith(bytes, [0x7b, 0x5c, 0x72, 0x74, 0x66])) return 'application/rtf';
  const head = asciiHead(bytes, 1024);
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml';
  if (/^(<!doctype html|<html|<head|<body|<script|<meta|<iframe|<form|<div|<!--)/.test(head))
    return 'text/html';
  if (head.startsWith('begin:vcalendar')) return 'text/calendar';
  return null;
}

const DANGEROUS_EXT = new Set([
  'exe',
  'scr',
  'com',
  'pif',
  'bat',
  'cmd',
  'vbs',
  'vbe',
  'js',
  'jse',
  'wsf',
  'wsh',
  'hta',
  'msi',
  'msix',
  'jar',
  'ps1',
  'lnk',
  'iso',
  'img',
  'vhd',
  'vhdx',
  'one',
  'cpl',
  'reg',
  'dll',
  'appx',
  'appinstaller',
  'url',
  'library-ms',
  'settingcontent-ms',
  'xll',
  'chm',
  'svg',
  'htm',
  'html',
  'shtml',
  'xhtml',
  'mht',
  'xht',
]);

const MACRO_EXT = new Set(['docm', 'xlsm', 'pptm', 'dotm', 'xltm', 'xlam', 'ppsm', 'potm', 'xlsb']);
const DOC_EXT = new Set([
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'txt',
  'rtf',
  'jpg',
  'jpeg',
  'png',
  'gif',
  'csv',
  'odt',
]);
const ARCHIVE_TYPES = new Set([
  'application/zip',
  'application/vnd.rar',
  'application/x-7z-compressed',
  'application/gzip',
  'application/vnd.ms-cab-compressed',
  'application/x-iso9660-image',
]);

function extensionOf(name: string): string {
  const m = /\.([a-z0-9-]{1,20})\s*$/i.exec(name);
  return m?.[1] ? m[1].toLowerCase() : '';
}

/** Traits from the file name alone (also applied to archive entries). */
export function nameTraits(name: string | null, prefix = ''): string[] {
  if (!name) return [];
  const traits: string[] = [];
  const lower = name.toLowerCase().trim();
  const ext = extensionOf(lower);
  if (DANGEROUS_EXT.has(ext)) traits.push(`${prefix}dangerous-ext:${ext}`);
  if (MACRO_EXT.has(ext)) traits.push(`${prefix}macro-ext:${ext}`);
  const parts = lower.split('.');
  if (parts.length >= 3) {
    const inner = parts[parts.length - 2] ?? '';
    if (DOC_EXT.has(inner) && (DANGEROUS_EXT.has(ext) || ARCHIVE_EXT.has(ext) || MACRO_EXT.has(ext)))
      traits.push(`${prefix}double-ext:${inner}.${ext}`);
  }
  if (/\s{5,}\S/.test(name) || /[\u202e\u202d\u200e\u200f]/.test(name))
    traits.push(`${prefix}name-obfuscated`);
  return traits;
}

const ARCHIVE_EXT = new Set(['zip', 'rar', '7z', 'gz', 'tgz', 'cab', 'ace', 'arj', 'xz', 'bz2', 'tar', 'z']);

interface ZipScan {
  readonly entries: string[];
  readonly encrypted: boolean;
}

/** Walks the local file headers (bounded) for entry names and the encryption flag. */
function scanZip(bytes: Uint8Array): ZipScan {
  const entries: string[] = [];
  let encrypted = false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Prefer the central directory (names are complete there); fall back to local headers.
  let found = false;
  const end = Math.min(bytes.length, SCAN_LIMIT * 4);
  for (let i = Math.max(0, bytes.length - 65_557); i + 22 <= bytes.length; i++) {
    if (view.getUint32(i, true) !== 0x06054b50) continue;
    let p = view.getUint32(i + 16, true);
    const count = view.getUint16(i + 10, true);
    for (let n = 0; n < count && n < 10_000 && p + 46 <= bytes.length; n++) {
      if (view.getUint32(p, true) !== 0x02014b50) break;
      const flags = view.getUint16(p + 8, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      if (flags & 1) encrypted = true;
      if (entries.length < MAX_ARCHIVE_ENTRIES && p + 46 + nameLen <= bytes.length) {
        entries.push(decodeName(bytes.subarray(p + 46, p + 46 + nameLen)));
      }
      found = true;
      p += 46 + nameLen + extraLen + commentLen;
    }
    break;
  }
  if (!found) {
    let p = 0;
    while (p + 30 <= end && entries.length < MAX_ARCHIVE_ENTRIES) {
      if (view.getUint32(p, true) !== 0x04034b50) break;
      const flags = view.getUint16(p + 6, true);
      const compSize = view.getUint32(p + 18, true);
      const nameLen = view.getUint16(p + 26, true);
      const extraLen = view.getUint16(p + 28, true);
      if (flags & 1) encrypted = true;
      if (p + 30 + nameLen > bytes.length) break;
      entries.push(decodeName(bytes.subarray(p + 30, p + 30 + nameLen)));
      if (flags & 8 && compSize === 0) break; // sizes in a data descriptor: cannot walk on
      p += 30 + nameLen + extraLen + compSize;
    }
  }
  return { entries, encrypted };
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
function decodeName(b: Uint8Array): string {
  let out = '';
  for (const ch of utf8.decode(b)) if (ch.charCodeAt(0) >= 32) out += ch;
  return out.slice(0, 200);
}

/** OLE compound file: VBA project streams appear as UTF-16LE directory names. */
function oleHasMacros(text: string): boolean {
  return (
    text.includes('V\0B\0A\0') ||
    text.includes('_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T') ||
    text.includes('M\0a\0c\0r\0o\0s') ||
    text.includes('Attribute VB_')
  );
}

export interface ByteFacts {
  readonly sniffedType: string | null;
  readonly traits: string[];
  /** Extra text for URL extraction (PDF link annotations), if any. */
  readonly extraText: string;
}

export interface InspectOptions {
  /** Look for a QR code in a PNG or JPEG (costs milliseconds, so the caller chooses the images). */
  readonly readQr?: boolean;
}

/** Everything the engine will need from the bytes of one attachment. */
export function inspectBytes(
  bytes: Uint8Array,
  filename: string | null,
  declaredType: string,
  options: InspectOptions = {},
): ByteFacts {
  const sniffedType = sniffType(bytes);
  const traits = nameTraits(filename);
  let extraText = '';
  const ext = extensionOf(filename ?? '');
  if (sniffedType === 'application/zip') {
    const zip = scanZip(bytes);
    const names = zip.entries.map((e) => e.toLowerCase());
    const isOoxml = names.some(
      (n) => n === '[content_types].xml' || n.startsWith('word/') || n.startsWith('xl/'),
    );
    if (isOoxml) {
      traits.push('ooxml');
      if (names.some((n) => n.endsWith('vbaproject.bin'))) traits.push('macro');
      if (names.some((n) => n.includes('externallink') || n.endsWith('.rels'))) {
        /* relationships are normal; template injection needs the XML, which is compressed */
      }
    } else {
      traits.push('archive');
      if (zip.encrypted) traits.push('archive-encrypted');
      for (const name of zip.entries.slice(0, MAX_ARCHIVE_ENTRIES)) {
        traits.push(`entry:${name}`);
        for (const t of nameTraits(name, 'entry-')) traits.push(t);
      }
    }
  } else if (sniffedType === 'application/x-ole-storage') {
    traits.push('ole');
    const text = latin1(bytes);
    if (oleHasMacros(text)) traits.push('macro');
    if (text.includes('E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e')) traits.push('office-encrypted');
  } else if (sniffedType === 'application/pdf') {
    const text = latin1(bytes);
    if (/\/(JavaScript|JS)\b/.test(text)) traits.push('pdf-javascript');
    if (/\/OpenAction\b|\/AA\b/.test(text)) traits.push('pdf-autoaction');
    if (/\/Launch\b/.test(text)) traits.push('pdf-launch');
    if (/\/EmbeddedFile\b/.test(text)) traits.push('pdf-embedded-file');
    if (/\/Encrypt\b/.test(text)) traits.push('pdf-encrypted');
    const pages = text.match(/\/Type\s*\/Page\b/g)?.length ?? 0;
    traits.push(`pdf-pages:${Math.min(pages, 99)}`);
    const uris: string[] = [];
    const re = /\/URI\s*\(([^)]{4,2000})\)/g;
    let m: RegExpExecArray | null = re.exec(text);
    while (m && uris.length < 50) {
      if (m[1]) uris.push(m[1]);
      m = re.exec(text);
    }
    if (uris.length) {
      traits.push(`pdf-links:${uris.length}`);
      extraText = uris.join('\n');
    }
  } else if (sniffedType && ARCHIVE_TYPES.has(sniffedType)) {
    traits.push('archive');
    if (sniffedType === 'application/x-iso9660-image') traits.push('disk-image');
    if (sniffedType === 'application/vnd.rar') {
      // RAR4 header flag 0x80 on the archive header = encrypted headers; RAR5 has its own block
      if (bytes[10] !== undefined && ((bytes[10] ?? 0) & 0x80) !== 0) traits.push('archive-encrypted');
    }
  } else if (sniffedType === 'application/x-msdownload' || sniffedType === 'application/x-elf') {
    traits.push('executable');
  } else if (sniffedType === 'application/x-ms-shortcut') {
    traits.push('shortcut');
  } else if (sniffedType === 'application/onenote') {
    traits.push('onenote');
  }
  if (sniffedType === 'text/html' || sniffedType === 'image/svg+xml' || isTextual(declaredType, filename)) {
    const text = latin1(bytes, 512 * 1024);
    if (/<script\b/i.test(text)) traits.push('script');
    if (/<form\b/i.test(text)) traits.push('form');
    if (/\batob\s*\(|new\s+Blob\s*\(|msSaveOrOpenBlob|createObjectURL/i.test(text))
      traits.push('smuggling-api');
    if (/[A-Za-z0-9+/]{2000,}/.test(text)) traits.push('large-base64');
    if (/http-equiv\s*=\s*["']?refresh|window\.location|location\.(href|replace)/i.test(text))
      traits.push('redirect');
    if (/type\s*=\s*["']?password/i.test(text)) traits.push('password-field');
  }
  if (options.readQr && (sniffedType === 'image/png' || sniffedType === 'image/jpeg')) {
    const code = readQrCode(bytes, sniffedType);
    if (code) {
      traits.push('qr-code');
      extraText += `${code}\n`;
    }
  }
  // Declared vs real type: a name that says document over bytes that are something else.
  if (sniffedType && ext) {
    const mismatch =
      (['pdf', 'doc', 'docx', 'xls', 'xlsx', 'jpg', 'jpeg', 'png', 'txt'].includes(ext) &&
        ['application/x-msdownload', 'text/html', 'application/x-ms-shortcut', 'image/svg+xml'].includes(
          sniffedType,
        )) ||
      (ext === 'pdf' && sniffedType !== 'application/pdf') ||
      (['jpg', 'jpeg', 'png', 'gif'].includes(ext) && !sniffedType.startsWith('image/'));
    if (mismatch) traits.push('type-mismatch');
  }
  if (declaredType === 'application/pdf' && sniffedType && sniffedType !== 'application/pdf')
    traits.push('type-mismatch');
  return { sniffedType, traits: [...new Set(traits)], extraText };
}

export function isTextual(declaredType: string, filename: string | null): boolean {
  const ext = extensionOf(filename ?? '');
  return (
    declaredType.startsWith('text/') ||
    declaredType === 'image/svg+xml' ||
    declaredType === 'application/xhtml+xml' ||
    ['htm', 'html', 'shtml', 'xhtml', 'svg', 'txt', 'mht', 'xht'].includes(ext)
  );
}
