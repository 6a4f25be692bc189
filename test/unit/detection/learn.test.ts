/** Training the compact model: bounded, deterministic, and fitted as the engine scores. */
import { type TrainingSample, trainModel, VOCABULARY_CAP, weightCap } from '#core/detection/learn.ts';
import { allRules } from '#core/detection/rules/index.ts';
import { describe, expect, it } from 'vitest';

const shortener = allRules.find((r) => r.id === 'url.shortener');
if (!shortener || shortener.expertOnly || shortener.severity !== 'low')
  throw new Error('fixture rule changed');

/** `count` copies of one training sample. */
const times = (count: number, features: Record<string, number>, label: 0 | 1): TrainingSample[] =>
  Array.from({ length: count }, () => ({ features, label }));

const lureWords = [
  'body:verify',
  'body:confirm',
  'body:account',
  'body:password',
  'body:update',
  'body:validate',
];
const vocabulary = (words: readonly string[]) => Object.fromEntries(words.map((w) => [w, 1]));

describe('trainModel', () => {
  it('keeps a rule with a positive prior positive, and under its severity cap however well it separates', () => {
    // the shortener fires on every phish and no ham: unbounded, its weight would run off
    const samples = [...times(60, { [shortener.id]: 1 }, 1), ...times(10, {}, 1), ...times(60, {}, 0)];
    const model = trainModel(samples);
    expect(model.weights[shortener.id]).toBeLessThanOrEqual(weightCap.low);
    expect(model.weights[shortener.id]).toBeGreaterThan(shortener.weight);

    // and on ham only, it may shrink to a quarter of its expert weight, never flip
    const reversed = trainModel([...times(60, { [shortener.id]: 1 }, 0), ...times(60, {}, 1)]);
    expect(reversed.weights[shortener.id]).toBeCloseTo(0.25 * shortener.weight, 3);
  });

  it('lets a vocabulary word learn that legitimate mail uses it, down to the floor only', () => {
    const samples = [...times(80, { 'body:account': 1 }, 0), ...times(40, {}, 1), ...times(40, {}, 0)];
    expect(trainModel(samples).lexical?.['body:account']).toBeCloseTo(-0.5, 3);
  });

  it('does not learn vocabulary weight that scoring would cut off at the cap', () => {
    // six lure words on every phish: summed uncapped they would learn far past what a message may score
    const samples = [
      ...times(50, vocabulary(lureWords), 1),
      ...times(20, { [shortener.id]: 1 }, 1),
      ...times(60, {}, 0),
      ...times(10, { 'body:account': 1 }, 0),
    ];
    const lexical = trainModel(samples).lexical ?? {};
    const sum = lureWords.reduce((s, w) => s + (lexical[w] ?? 0), 0);
    expect(sum).toBeGreaterThan(VOCABULARY_CAP - 0.5);
    expect(sum).toBeLessThan(VOCABULARY_CAP + 0.3);
  });

  it('is deterministic: the same samples give the same artifact', () => {
    const samples = [
      ...times(30, vocabulary(lureWords.slice(0, 2)), 1),
      ...times(30, { [shortener.id]: 1 }, 1),
      ...times(50, { 'body:update': 1 }, 0),
    ];
    expect(JSON.stringify(trainModel(samples))).toBe(JSON.stringify(trainModel([...samples])));
  });
});
