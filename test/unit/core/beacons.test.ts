import { describe, expect, it } from 'vitest';
import { beacon, beaconBits, emailBeacons } from '#core/crypto/beacons.ts';
import { cryptoRandom } from '#adapters/system.ts';

const key = cryptoRandom.bytes(32);

describe('beacons', () => {
  it('are deterministic per key, normalised, and 24 bits long', () => {
    const a = beacon(key, 'sender-address', 'Eve@Phish.Example ');
    expect(a).toEqual(beacon(key, 'sender-address', 'eve@phish.example'));
    expect(a.value).toMatch(new RegExp(`^[0-9a-f]{${beaconBits / 4}}$`));
    expect(beacon(cryptoRandom.bytes(32), 'sender-address', 'eve@phish.example')).not.toEqual(a);
  });

  it('differ by kind for the same value', () => {
    expect(beacon(key, 'sender-address', 'a@b.example').value).not.toBe(
      beacon(key, 'recipient-address', 'a@b.example').value,
    );
  });

  it('collide about as often as 24 bits predict', () => {
    const seen = new Set<string>();
    let collisions = 0;
    const n = 20_000;
    for (let i = 0; i < n; i += 1) {
      const { value } = beacon(key, 'sender-address', `user${i}@example.com`);
      if (seen.has(value)) collisions += 1;
      seen.add(value);
    }
    // Expected n²/2^25 ≈ 11.9; a bound that fails only on a broken HMAC or truncation.
    expect(collisions).toBeLessThan(40);
  });

  it("cover an email's sender address and domain and each distinct recipient", () => {
    const beacons = emailBeacons(key, {
      from: { address: 'eve@phish.example' },
      recipients: ['ana@acme.example', 'ANA@acme.example', 'bob@acme.example', 'undisclosed-recipients:;'],
    });
    expect(beacons.map((b) => b.kind)).toEqual([
      'sender-address',
      'sender-domain',
      'recipient-address',
      'recipient-address',
    ]);
    expect(emailBeacons(key, { from: null, recipients: [] })).toEqual([]);
  });
});
