import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The labelled dev corpus lives beside the repository (`../shared/corpus`); PHISHX_CORPUS overrides. */
export const corpusDir = resolve(
  process.env.PHISHX_CORPUS ?? join(import.meta.dirname, '../../../shared/corpus'),
);

export interface CorpusEmail {
  readonly file: string;
  readonly label: 'phish' | 'ham';
  readonly path: string;
}

export const corpusEmails = (): CorpusEmail[] => {
  if (!existsSync(corpusDir))
    throw new Error(`The dev corpus is missing at ${corpusDir} (set PHISHX_CORPUS)`);
  return (['phish', 'ham'] as const).flatMap((label) =>
    readdirSync(join(corpusDir, label))
      .filter((name) => name.endsWith('.eml'))
      .sort()
      .map((name) => ({ file: `${label}/${name}`, label, path: join(corpusDir, label, name) })),
  );
};

export const readCorpusEmail = (email: CorpusEmail): Uint8Array => readFileSync(email.path);
