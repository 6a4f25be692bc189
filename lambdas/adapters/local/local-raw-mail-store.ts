/**
 * Stands in for the SES mail bucket on a developer's machine: objects are files under a folder
 * (`.phishx/ses-bucket/`), keyed exactly as in S3. Same bounds and typed errors as the S3 adapter.
 */
import { open, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { RawMailError } from '#core/ingest/raw-mail.ts';
import type { RawMailStore } from '#core/ports.ts';
import { readBounded } from '../s3/s3-raw-mail-store.ts';

export class LocalRawMailStore implements RawMailStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file behind a key; a key that would leave the folder is refused. */
  pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    const inside = relative(this.root, path);
    if (inside === '' || inside.startsWith('..'))
      throw new Error(`Invalid object key ${JSON.stringify(key)}`);
    return path;
  }

  async read(key: string, maxBytes: number): Promise<Uint8Array> {
    const path = this.pathOf(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw new RawMailError('mail_object_missing', 'No stored message under the key SES reported');
    }
    if (size > maxBytes) {
      throw new RawMailError(
        'mail_object_too_large',
        `The stored message exceeds the ${maxBytes}-byte limit`,
      );
    }
    const file = await open(path, 'r');
    try {
      return await readBounded(file.createReadStream({ autoClose: false }), size, maxBytes);
    } finally {
      await file.close();
    }
  }
}
