/**
 * Measures the SES inbound path on a large message: peak RSS and time of the ses-ingest handler
 * (read the stored object, check it, parse, seal, store, enqueue) and of the analysis that follows.
 *
 *   npx tsx scripts/ses-large-mail.ts            # 25 MB (the figure)
 *   npx tsx scripts/ses-large-mail.ts 40         # SES's maximum
 *
 * The message is generated first and written to disk; a fresh process then measures, so the
 * generator's memory is not counted. The database and queue are in memory (their cost does not
 * depend on the message size: the stored item is capped at 350 KB); keys are the local adapter.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const measure = async (stateDir: string) => {
  const [
    { LocalRawMailStore },
    { LocalDataKeyProvider },
    system,
    { parseEmail },
    ses,
    analysis,
    engine,
    memory,
    { BranchKeyring },
    { MemoryBranchKeyRepository },
  ] = await Promise.all([
    import('#adapters/local/local-raw-mail-store.ts'),
    import('#adapters/local/local-data-key-provider.ts'),
    import('#adapters/system.ts'),
    import('#core/email/parse-email.ts'),
    import('../lambdas/ingest/ses-ingest.ts'),
    import('#core/analysis/analyse-email.ts'),
    import('#core/detection/engine.ts'),
    import('../test/support/in-memory-ports.ts'),
    import('#core/crypto/branch-keyring.ts'),
    import('../test/support/memory-branch-keys.ts'),
  ]);
  const emails = new memory.InMemoryEmails();
  const queue = new memory.RecordingQueue();
  const tenants = new memory.InMemoryTenants();
  const dataKeys = LocalDataKeyProvider.fromFile(join(stateDir, 'master.key'), system.cryptoRandom);
  const keyring = new BranchKeyring({
    repository: new MemoryBranchKeyRepository(),
    kms: dataKeys,
    clock: system.systemClock,
  });
  const ports = { clock: system.systemClock, random: system.cryptoRandom };
  const handler = ses.createSesIngestHandler({
    emails,
    queue,
    keyring,
    domains: new memory.InMemoryDomains(new Map([['acme.example', 'acme']])),
    audit: new memory.RecordingAudit(),
    mail: new LocalRawMailStore(join(stateDir, 'bucket')),
    parse: parseEmail,
    ...ports,
  });
  const event = (await import('#adapters/local/ses-inbox.ts')).sesLambdaEvent({
    messageId: 'large',
    recipients: ['finance@acme.example'],
    verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
  });
  const context = { functionName: 'ingest-ses', awsRequestId: 'measure' } as never;

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  const report = await handler(event, context);
  const ingestMs = performance.now() - started;
  const afterIngest = process.resourceUsage().maxRSS * 1024;

  const [job] = queue.jobs;
  if (!job || report.messages[0]?.delivered.length !== 1) throw new Error('the message was not ingested');
  const analysed = performance.now();
  const outcome = await analysis.analyseQueuedEmail(job, {
    emails,
    tenants,
    keyring,
    analyse: engine.analyseEmail,
    ...ports,
  });
  const analysisMs = performance.now() - analysed;
  const stored = await emails.get(job.tenant, job.id);
  const storedBytes = Object.values(stored?.fields ?? {}).reduce((sum, field) => sum + field.byteLength, 0);
  console.log(
    JSON.stringify({
      baselineRssMb: mb(baseline),
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      peakRssDuringIngestMb: mb(afterIngest),
      ingestMs: Math.round(ingestMs),
      analysisMs: Math.round(analysisMs),
      verdict: outcome.kind === 'analyzed' ? outcome.analysis.verdict : outcome.kind,
      storedFieldsKb: Math.round(storedBytes / 1024),
    }),
  );
};

if (process.argv[2] === '--measure') {
  await measure(process.argv[3] as string);
} else {
  const sizeMb = Number(process.argv[2] ?? 25);
  const { largeMessage } = await import('../test/support/large-mail.ts');
  const stateDir = mkdtempSync(join(tmpdir(), 'phishx-large-mail-'));
  try {
    const raw = largeMessage(sizeMb * 1024 * 1024);
    mkdirSync(join(stateDir, 'bucket', 'inbound'), { recursive: true });
    writeFileSync(join(stateDir, 'bucket', 'inbound', 'large'), raw);
    console.log(`message: ${mb(raw.byteLength)} MB, 5 base64 attachments (PDF, ZIP, PNG)`);
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', import.meta.filename, '--measure', stateDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        env: {
          ...process.env,
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_TRACE_ENABLED: 'false',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          // The handler module builds its AWS adapters at load (unused here: ports are injected).
          AWS_REGION: 'eu-west-1',
          PHISHX_TABLE_NAME: 'unused',
          PHISHX_QUEUE_URL: 'unused',
          PHISHX_DATA_KEY_ID: 'unused',
          PHISHX_MAIL_BUCKET: 'unused',
        },
      },
    );
    process.stdout.write(child.stdout);
    process.exitCode = child.status ?? 1;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
