/** The real clock and randomness, for functions and the local runner. */
import { randomBytes } from 'node:crypto';
import type { Clock, RandomSource } from '#core/ports.ts';

export const systemClock: Clock = { now: () => new Date() };

export const cryptoRandom: RandomSource = { bytes: (length) => new Uint8Array(randomBytes(length)) };
