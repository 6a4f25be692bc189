/**
 * Password hashing with scrypt at OWASP's recommended cost (N = 2^17, r = 8, p = 1), stored in
 * PHC string format so the cost can rise later without invalidating existing hashes.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../ports.ts';

export interface ScryptCost {
  /** log2 of N, the CPU/memory cost. */
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP Password Storage Cheat Sheet: N = 2^17, r = 8, p = 1 (128 MiB per hash). */
export const owaspScryptCost: ScryptCost = { logN: 17, r: 8, p: 1 };

const keyLength = 32;
const saltLength = 16;

const derive = (password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const N = 2 ** cost.logN;
    // Node refuses by default above 32 MiB; scrypt needs 128 * N * r bytes.
    const maxmem = 128 * N * cost.r + 16 * 1024 * 1024;
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r: cost.r, p: cost.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });

export const hashPassword = async (
  password: string,
  random: RandomSource,
  cost: ScryptCost = owaspScryptCost,
): Promise<string> => {
  const salt = Buffer.from(random.bytes(saltLength));
  const key = await derive(password, salt, cost);
  return `$scrypt$ln=${cost.logN},r=${cost.r},p=${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
};

const phcPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([\w-]+)\$([\w-]+)$/;

export const verifyPassword = async (password: string, encoded: string): Promise<boolean> => {
  const match = phcPattern.exec(encoded);
  if (!match) return false;
  const [, logN, r, p, salt, expected] = match as unknown as [string, string, string, string, string, string];
  const expectedKey = Buffer.from(expected, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), {
    logN: Number(logN),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
};
