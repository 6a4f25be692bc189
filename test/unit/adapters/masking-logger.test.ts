import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { MaskingLogFormatter } from '#shared/observability.ts';

describe('MaskingLogFormatter', () => {
  it('masks addresses and numbers in messages, attributes and errors of every log line', () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    // Errors go to stderr, everything else to stdout.
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      const logger = new Logger({
        serviceName: 'test',
        logLevel: 'INFO',
        logFormatter: new MaskingLogFormatter(),
      });
      logger.info('mail from jane.doe@example.com', {
        recipient: { address: 'bob@example.org', phone: '+44 20 7946 0958' },
        list: ['carol@example.net'],
      });
      logger.error('failed', new Error('cannot deliver to dave@example.com'));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const output = lines.join('');
    for (const secret of ['jane.doe@', 'bob@', 'carol@', 'dave@', '7946'])
      expect(output).not.toContain(secret);
    expect(output).toContain('j***@example.com');
    expect(output).toContain('d***@example.com');
    expect(output).toMatch(/"error":\{"name":"Error","location":/);
  });
});
