/**
 * `npm run train [-- <corpus dir>]`: trains the compact model on the whole dev corpus and writes
 * lambdas/core/detection/model/model.json. Deterministic: the same corpus and code give the same
 * bytes (no randomness is used: full-batch Newton steps from fixed starting weights; the `seed`
 * recorded in the artifact only names the fold assignment used by the benchmark).
 *
 * Leak hygiene: every message has its era artefacts removed twice before features are taken:
 * on the raw bytes (auth headers stripped, corpus addresses rewritten) and on the parsed form.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION, extract } from '#core/detection/engine.ts';
import { stripLeaksRaw } from '#core/detection/leaks.ts';
import { sampleFeatures, stripLeaksParsed, type TrainingSample, trainModel } from '#core/detection/learn.ts';
import { parseEmail } from '#core/email/parse-email.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(process.argv[2] ?? join(root, '..', 'shared', 'corpus'));
const out = join(root, 'lambdas/core/detection/model/model.json');

const manifest = readFileSync(join(corpus, 'manifest.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
const digest = createHash('sha256');
const samples: TrainingSample[] = [];
for (const line of manifest.sort()) {
  const [file = '', label = '', , sha = ''] = line.split(',');
  digest.update(`${sha}:${label}\n`);
  const raw = stripLeaksRaw(new Uint8Array(readFileSync(join(corpus, file))));
  const email = stripLeaksParsed(await parseEmail(raw));
  samples.push({ features: sampleFeatures(extract(email)), label: label === 'phish' ? 1 : 0 });
}
const positives = samples.filter((s) => s.label === 1).length;
const model = trainModel(samples, {
  name: 'logreg-expert-prior+lure-vocabulary',
  trainedOn: `dev corpus: ${samples.length} messages (${positives} phishing), manifest sha256 ${digest.digest('hex').slice(0, 16)}`,
});
const artifact = { ...model, engine: ENGINE_VERSION, seed: 'folds: int(sha256[8:16], 16) % 5' };
writeFileSync(out, `${JSON.stringify(artifact, null, 2)}\n`);
console.log(
  `wrote ${out}: bias ${model.bias}, ${Object.keys(model.weights).length} rule weights, ${Object.keys(model.lexical ?? {}).length} vocabulary weights`,
);
