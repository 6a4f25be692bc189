import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '#adapters/system.ts';
import { hashPassword, owaspScryptCost, verifyPassword } from '#core/auth/passwords.ts';

// A low cost keeps the suite fast; one test below runs the production cost.
const testCost = { logN: 10, r: 8, p: 1 };

describe('passwords', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple', cryptoRandom, testCost);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same', cryptoRandom, testCost);
    const b = await hashPassword('same', cryptoRandom, testCost);
    expect(a).not.toBe(b);
  });

  it('treats Unicode-equivalent passwords as equal (NFC)', async () => {
    const hash = await hashPassword('caf\u00e9', cryptoRandom, testCost);
    await expect(verifyPassword('cafe\u0301', hash)).resolves.toBe(true);
  });

  it('rejects malformed stored hashes instead of throwing', async () => {
    await expect(verifyPassword('x', 'plaintext')).resolves.toBe(false);
    await expect(verifyPassword('x', '$scrypt$ln=10,r=8,p=1$abc')).resolves.toBe(false);
  });

  it('hashes at the OWASP cost by default', async () => {
    const hash = await hashPassword('pw', cryptoRandom);
    expect(hash.startsWith(`$scrypt$ln=${owaspScryptCost.logN},r=8,p=1$`)).toBe(true);
    await expect(verifyPassword('pw', hash)).resolves.toBe(true);
  });
});
