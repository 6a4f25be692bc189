import { inspectBytes, nameTraits, sniffType } from '#core/email/sniff.ts';
import { describe, expect, it } from 'vitest';

const enc = new TextEncoder();

describe('sniffing attachment bytes', () => {
  it('recognises types by magic numbers', () => {
    expect(sniffType(enc.encode('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffType(new Uint8Array([0x50, 0x4b, 0x03, 0x04]))).toBe('application/zip');
    expect(sniffType(new Uint8Array([0x4d, 0x5a, 0x90, 0]))).toBe('application/x-msdownload');
    expect(sniffType(new Uint8Array([0x4c, 0, 0, 0, 1, 0x14, 2, 0]))).toBe('application/x-ms-shortcut');
    expect(sniffType(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe('image/png');
    expect(sniffType(enc.encode('  <!DOCTYPE html><html>'))).toBe('text/html');
    expect(sniffType(enc.encode('<?xml version="1.0"?><svg xmlns="x">'))).toBe('image/svg+xml');
    const iso = new Uint8Array(0x8010);
    iso.set(enc.encode('CD001'), 0x8001);
    expect(sniffType(iso)).toBe('application/x-iso9660-image');
    expect(sniffType(new Uint8Array())).toBeNull();
    expect(sniffType(enc.encode('hello'))).toBeNull();
  });

  it('derives traits from names', () => {
    expect(nameTraits('invoice.pdf.exe')).toEqual(
      expect.arrayContaining(['dangerous-ext:exe', 'double-ext:pdf.exe']),
    );
    expect(nameTraits('report.docm')).toContain('macro-ext:docm');
    expect(nameTraits('photo.jpg')).toEqual([]);
    expect(nameTraits('scan\u202efdp.exe')).toContain('name-obfuscated');
  });

  it('reads PDF actions and links, and type mismatches', () => {
    const pdf = enc.encode('%PDF-1.4 /Type /Page /OpenAction /JavaScript /URI (https://x.example.net/a)');
    const facts = inspectBytes(pdf, 'a.pdf', 'application/pdf');
    expect(facts.traits).toEqual(
      expect.arrayContaining(['pdf-javascript', 'pdf-autoaction', 'pdf-pages:1', 'pdf-links:1']),
    );
    expect(facts.extraText).toContain('https://x.example.net/a');
    expect(inspectBytes(enc.encode('<html></html>'), 'scan.pdf', 'application/pdf').traits).toContain(
      'type-mismatch',
    );
  });

  it('never throws on truncated archives', () => {
    expect(() =>
      inspectBytes(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'a.zip', 'application/zip'),
    ).not.toThrow();
    expect(() =>
      inspectBytes(new Uint8Array([0x50, 0x4b, 0x05, 0x06, 0xff]), 'a.zip', 'application/zip'),
    ).not.toThrow();
  });
});
