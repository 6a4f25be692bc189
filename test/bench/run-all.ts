/**
 * `npm run bench`: every benchmark in turn — detection (5-fold CV on the dev corpus, with the
 * rspamd ratio when peers are measured), item encryption, and tokens. Figures are printed,
 * never asserted: speed is measured here, not in the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const corpus = process.env.PHISHX_CORPUS ?? join(root, '..', 'shared', 'corpus');

const benches: { name: string; script: string; args: string[] }[] = [
  { name: 'detection', script: 'test/bench/detect.ts', args: [corpus] },
  { name: 'crypto', script: 'test/bench/crypto.ts', args: [] },
  { name: 'auth', script: 'test/bench/auth.ts', args: [] },
];

let failed = 0;
for (const bench of benches) {
  if (!existsSync(join(root, bench.script))) {
    console.log(`\n== ${bench.name}: ${bench.script} is missing`);
    failed += 1;
    continue;
  }
  console.log(`\n== ${bench.name}`);
  const run = spawnSync('npx', ['tsx', bench.script, ...bench.args], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
