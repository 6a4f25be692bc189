/**
 * `npm run scan -- [--json] [--tenant-domain example.com]... <file.eml|dir>...`
 *
 * Analyses .eml files offline with the committed model and prints one line per message:
 * `verdict score file  top findings`, or with --json exactly one JSON object per line:
 * {"file","score","verdict","findings":[{"id","weight"}],"ms"} (ms = parse + analyse).
 * Directories are walked recursively for *.eml. Exit code 0, or 2 on bad usage.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';

function usage(): never {
  console.error('usage: npm run scan -- [--json] [--tenant-domain DOMAIN]... <file.eml|dir>...');
  process.exit(2);
}

function collect(path: string, out: string[]): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const child = join(path, name);
      if (statSync(child).isDirectory() || name.toLowerCase().endsWith('.eml')) collect(child, out);
    }
  } else {
    out.push(path);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let json = false;
  const tenantDomains: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json') json = true;
    else if (a === '--tenant-domain') tenantDomains.push(args[++i] ?? usage());
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('--')) usage();
    else paths.push(a);
  }
  if (paths.length === 0) usage();
  const files: string[] = [];
  for (const p of paths) {
    try {
      collect(p, files);
    } catch {
      console.error(`cannot read ${p}`);
      process.exitCode = 1;
    }
  }
  const context = tenantDomains.length ? { tenantDomains } : {};
  for (const file of files) {
    const raw = new Uint8Array(readFileSync(file));
    const t0 = performance.now();
    const analysis = analyseEmail(await parseEmail(raw), context);
    const ms = Math.round((performance.now() - t0) * 1000) / 1000;
    if (json) {
      const findings = analysis.findings.map((f) => ({ id: f.id, weight: f.weight }));
      process.stdout.write(
        `${JSON.stringify({ file, score: analysis.score, verdict: analysis.verdict, findings, ms })}\n`,
      );
    } else {
      const top = analysis.findings
        .filter((f) => f.weight > 0)
        .slice(0, 4)
        .map((f) => `${f.id}(+${f.weight})`)
        .join(' ');
      process.stdout.write(
        `${analysis.verdict.padEnd(10)} ${String(analysis.score).padStart(3)}  ${file}  ${top}\n`,
      );
    }
  }
}

await main();
