/**
 * Detection benchmark: `npm run bench:detect -- <corpus dir> [--folds 5] [--json out.json]`.
 *
 * 5-fold cross-validation on the corpus (folds by content hash; train on four, score the fifth;
 * no training-set figure is ever reported), run twice side by side: on the messages as they are,
 * and with the era/collection leaks removed (auth headers stripped, `phishing@pot` and
 * taint.org/jmason rewritten). Prints precision, recall, F1, FPR at the quarantine threshold, the
 * confusion matrix, per-source FPR, recall at fixed FPRs, per-rule hits and false positives, and
 * timing (parse + analyse per message, after a warm-up pass).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, defaultThresholds, extract } from '#core/detection/engine.ts';
import { stripLeaksRaw } from '#core/detection/leaks.ts';
import { sampleFeatures, stripLeaksParsed, trainModel } from '#core/detection/learn.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import type { ParsedEmail } from '#core/email/parsed-email.ts';

/** rspamd's median from shared/research/peers-baseline.md (same machine kind, offline). */
const RSPAMD_MEDIAN_MS = 2.8;

interface Row {
  readonly file: string;
  readonly label: 0 | 1;
  readonly source: string;
  readonly fold: number;
  readonly raw: Uint8Array;
}

interface Scored {
  readonly row: Row;
  readonly score: number;
  readonly ids: readonly string[];
  readonly evidence: readonly string[];
  /** parse + analyse, one run (the first timed run after the warm-up pass). */
  ms: number;
  /** parse + analyse, best of three runs (filters preemption on a shared machine). */
  bestMs: number;
}

interface VariantResult {
  readonly name: string;
  readonly scored: Scored[];
}

function args(): { dir: string; folds: number; dump: string; peers: string } {
  const argv = process.argv.slice(2);
  let dir = '';
  let folds = 5;
  let dump = '';
  let peers = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--folds') folds = Number(argv[++i]);
    else if (a === '--dump') dump = argv[++i] ?? '';
    else if (a === '--peers-csv') peers = argv[++i] ?? '';
    else if (!a.startsWith('--')) dir = a;
  }
  if (!dir) {
    console.error(
      'usage: npm run bench:detect -- <corpus dir> [--folds 5] [--peers-csv peers.csv] [--dump out.jsonl]',
    );
    process.exit(2);
  }
  return { dir, folds, dump, peers };
}

function loadCorpus(dir: string, folds: number): Row[] {
  const lines = readFileSync(join(dir, 'manifest.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  return lines.map((line) => {
    const [file = '', label = '', source = '', sha = ''] = line.split(',');
    return {
      file,
      label: label === 'phish' ? 1 : 0,
      source,
      fold: Number.parseInt(sha.slice(8, 16), 16) % folds,
      raw: new Uint8Array(readFileSync(join(dir, file))),
    };
  });
}

const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function runVariant(name: string, rows: Row[], folds: number): Promise<VariantResult> {
  const raws = rows.map((r) => (name === 'stripped' ? stripLeaksRaw(r.raw) : r.raw));
  // warm-up pass (JIT), untimed
  for (const raw of raws.slice(0, 300)) await parseEmail(raw);
  const parsed: ParsedEmail[] = [];
  const parseMs: number[] = [];
  for (const raw of raws) {
    const t0 = performance.now();
    parsed.push(await parseEmail(raw));
    parseMs.push(performance.now() - t0);
  }
  const features = parsed.map((p) => sampleFeatures(extract(stripLeaksParsed(p))));
  const scored: Scored[] = new Array(rows.length);
  for (let k = 0; k < folds; k++) {
    const train = rows.flatMap((r, i) =>
      r.fold === k ? [] : [{ features: features[i] ?? {}, label: r.label }],
    );
    const model = trainModel(train);
    const analyse = createEngine(model);
    rows.forEach((r, i) => {
      if (r.fold !== k) return;
      const email = parsed[i] as ParsedEmail;
      const a = analyse(email);
      const ms = parseMs[i] ?? 0;
      scored[i] = {
        row: r,
        score: a.score,
        ids: a.findings.filter((f) => f.weight > 0).map((f) => f.id),
        evidence: a.findings.map((f) => `${f.id} ${f.weight}: ${f.evidence}`),
        ms,
        bestMs: ms,
      };
    });
  }
  // Timing pass: parse + analyse each message three times with its fold's engine.
  const engines = Array.from({ length: folds }, (_, k) =>
    createEngine(
      trainModel(
        rows.flatMap((r, i) => (r.fold === k ? [] : [{ features: features[i] ?? {}, label: r.label }])),
      ),
    ),
  );
  for (let i = 0; i < rows.length; i++) {
    const analyse = engines[(rows[i] as Row).fold] ?? engines[0];
    const times: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      analyse?.(await parseEmail(raws[i] as Uint8Array));
      times.push(performance.now() - t0);
    }
    const s = scored[i] as Scored;
    s.ms = times[0] ?? 0;
    s.bestMs = Math.min(...times);
  }
  return { name, scored };
}

interface Metrics {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
}

function metrics(scored: readonly Scored[], threshold: number): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const s of scored) {
    const pos = s.score >= threshold;
    if (s.row.label === 1) {
      if (pos) tp++;
      else fn++;
    } else if (pos) fp++;
    else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    tp,
    fp,
    fn,
    tn,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    fpr: fp + tn ? fp / (fp + tn) : 0,
  };
}

/** Best recall with FPR at most `maxFpr`, over integer score thresholds. */
function recallAtFpr(
  scored: readonly Scored[],
  maxFpr: number,
): { recall: number; threshold: number; fpr: number } {
  let best = { recall: 0, threshold: 101, fpr: 0 };
  for (let t = 100; t >= 0; t--) {
    const m = metrics(scored, t);
    if (m.fpr <= maxFpr && m.recall >= best.recall) best = { recall: m.recall, threshold: t, fpr: m.fpr };
  }
  return best;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

interface PeerFigures {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  median: number;
  p99: number;
}

/** Reads peers.csv (file,label,peer,score,is_spam_verdict,ms) written by shared/bench/peers.sh. */
function peerFigures(path: string, _threshold: number): PeerFigures[] {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/).slice(1);
  const byPeer = new Map<string, { label: number; flagged: boolean; ms: number }[]>();
  for (const line of lines) {
    const [, label = '', name = '', , verdict = '', ms = ''] = line.split(',');
    const list = byPeer.get(name) ?? [];
    list.push({
      label: label === 'phish' ? 1 : 0,
      flagged: verdict === '1' || verdict.toLowerCase() === 'true',
      ms: Number(ms),
    });
    byPeer.set(name, list);
  }
  return [...byPeer.entries()].map(([name, rows]) => {
    const tp = rows.filter((r) => r.label && r.flagged).length;
    const fp = rows.filter((r) => !r.label && r.flagged).length;
    const fn = rows.filter((r) => r.label && !r.flagged).length;
    const tn = rows.filter((r) => !r.label && !r.flagged).length;
    const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    return {
      name,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      fpr: fp + tn ? fp / (fp + tn) : 0,
      median: quantile(ms, 0.5),
      p99: quantile(ms, 0.99),
    };
  });
}

async function main(): Promise<void> {
  const { dir, folds, dump, peers } = args();
  const rows = loadCorpus(dir, folds);
  const q = defaultThresholds.quarantine;
  console.log(
    `corpus ${dir}: ${rows.length} messages, ${rows.filter((r) => r.label).length} phishing, ${folds}-fold CV (folds by sha256), quarantine threshold ${q}`,
  );
  const t0 = performance.now();
  const variants = [await runVariant('original', rows, folds), await runVariant('stripped', rows, folds)];
  const names = variants.map((v) => v.name);
  const m = variants.map((v) => metrics(v.scored, q));
  const row = (label: string, f: (i: number) => string) => [label, ...variants.map((_, i) => f(i))];
  console.log('\n== Figures at the quarantine threshold (held-out folds only) ==');
  console.log(
    table(
      ['metric', ...names],
      [
        row('precision', (i) => (m[i] as Metrics).precision.toFixed(4)),
        row('recall', (i) => (m[i] as Metrics).recall.toFixed(4)),
        row('F1', (i) => (m[i] as Metrics).f1.toFixed(4)),
        row('FPR (all ham)', (i) => pct((m[i] as Metrics).fpr, 2)),
        row('TP / FP / FN / TN', (i) => {
          const x = m[i] as Metrics;
          return `${x.tp} / ${x.fp} / ${x.fn} / ${x.tn}`;
        }),
        row('block rate on phish', (i) =>
          pct(metrics(variants[i]?.scored ?? [], defaultThresholds.block).recall),
        ),
      ],
    ),
  );
  console.log('\n== Confusion matrix (rows: truth; columns: verdict ≥ quarantine) ==');
  for (const [i, v] of variants.entries()) {
    const x = m[i] as Metrics;
    console.log(
      `${v.name}:\n                flagged  allowed\n  phish        ${String(x.tp).padStart(7)}  ${String(x.fn).padStart(7)}\n  ham          ${String(x.fp).padStart(7)}  ${String(x.tn).padStart(7)}`,
    );
  }
  const sources = [...new Set(rows.filter((r) => !r.label).map((r) => r.source))].sort();
  console.log('\n== FPR per ham source ==');
  console.log(
    table(
      ['source', 'n', ...names],
      sources.map((s) => [
        s,
        String(rows.filter((r) => r.source === s).length),
        ...variants.map((v) => {
          const x = metrics(
            v.scored.filter((r) => r.row.source === s),
            q,
          );
          return `${pct(x.fpr, 2)} (${x.fp})`;
        }),
      ]),
    ),
  );
  console.log(
    '\n== Recall at a fixed FPR (threshold chosen on the pooled held-out scores: indicative only) ==',
  );
  console.log(
    table(
      ['max FPR', ...names],
      [0.005, 0.01, 0.02].map((f) => [
        pct(f, 1),
        ...variants.map((v) => {
          const r = recallAtFpr(v.scored, f);
          return `${r.recall.toFixed(4)} @≥${r.threshold} (FPR ${pct(r.fpr, 2)})`;
        }),
      ]),
    ),
  );
  console.log(
    '\n== Per rule: messages where it fired with positive weight (phish hits / ham = false positives) ==',
  );
  const ruleIds = [...new Set(variants.flatMap((v) => v.scored.flatMap((s) => s.ids)))].sort();
  console.log(
    table(
      ['rule', ...names.flatMap((n) => [`${n} phish`, `${n} ham`])],
      ruleIds.map((id) => [
        id,
        ...variants.flatMap((v) => {
          const fired = v.scored.filter((s) => s.ids.includes(id));
          return [
            String(fired.filter((s) => s.row.label).length),
            String(fired.filter((s) => !s.row.label).length),
          ];
        }),
      ]),
    ),
  );
  const peer = peers ? peerFigures(peers, q) : [];
  if (peer.length) {
    console.log('\n== Peers on the same corpus (from shared/bench/peers.sh, run in this session) ==');
    console.log(
      table(
        ['peer', 'precision', 'recall', 'F1', 'FPR', 'median ms', 'p99 ms'],
        peer.map((p) => [
          p.name,
          p.precision.toFixed(4),
          p.recall.toFixed(4),
          p.f1.toFixed(4),
          pct(p.fpr, 2),
          p.median.toFixed(3),
          p.p99.toFixed(2),
        ]),
      ),
    );
  }
  const rspamd = peer.find((p) => p.name === 'rspamd');
  const reference = rspamd
    ? { label: `vs rspamd median ${rspamd.median.toFixed(2)} ms (this session)`, ms: rspamd.median }
    : { label: `vs rspamd median ${RSPAMD_MEDIAN_MS} ms (peers-baseline.md)`, ms: RSPAMD_MEDIAN_MS };
  console.log('\n== Timing per message (parse + analyse, one core, after a warm-up pass) ==');
  const timingRows = variants.flatMap((v) =>
    (['bestMs', 'ms'] as const).map((key) => {
      const ms = v.scored.map((s) => s[key]).sort((a, b) => a - b);
      const total = ms.reduce((a, b) => a + b, 0);
      const med = quantile(ms, 0.5);
      return [
        `${v.name}, ${key === 'bestMs' ? 'best of 3' : 'single run'}`,
        med.toFixed(3),
        quantile(ms, 0.99).toFixed(2),
        (ms.at(-1) ?? 0).toFixed(1),
        (ms.length / (total / 1000)).toFixed(0),
        `${(reference.ms / med).toFixed(1)}x faster`,
      ];
    }),
  );
  console.log(
    table(['variant, timing', 'median ms', 'p99 ms', 'max ms', 'messages/s', reference.label], timingRows),
  );
  if (dump) {
    const lines = variants.flatMap((v) =>
      v.scored.map((s) =>
        JSON.stringify({
          variant: v.name,
          file: s.row.file,
          label: s.row.label,
          source: s.row.source,
          score: s.score,
          findings: s.evidence,
        }),
      ),
    );
    writeFileSync(dump, `${lines.join('\n')}\n`);
  }
  const drop = (m[0] as Metrics).recall - (m[1] as Metrics).recall;
  // The issue bounds the loss "at the same FPR": at the quarantine threshold, and with each variant
  // held to the same FPR budget (its own threshold, chosen on the pooled held-out scores).
  const [original, stripped] = variants.map((v) => recallAtFpr(v.scored, 0.005));
  const matched = (original?.recall ?? 0) - (stripped?.recall ?? 0);
  console.log(
    `\nrecall lost when leaks are stripped: ${(100 * drop).toFixed(2)} points at the quarantine threshold; ` +
      `${(100 * matched).toFixed(2)} points with both held to FPR ≤ 0.5%; wall ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

await main();
