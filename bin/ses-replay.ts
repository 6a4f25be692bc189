/**
 * `npm run ses:replay -- <file.eml> [--to address]...`: delivers a message to the running local
 * stack (`npm start`) the way SES inbound would — the raw message stored first (a folder
 * standing in for the S3 bucket), then an SES Lambda-action event to the same ses-ingest
 * handler — and prints what happened: the tenant, the email id, and how to read its analysis.
 *
 *   npm run ses:replay -- ../shared/corpus/phish/<any>.eml
 *   npm run ses:replay -- mail.eml --to soc@acme.example --to ceo@other.example
 *   npm run ses:replay -- mail.eml --verdict spf=FAIL --verdict dmarc=FAIL
 *
 * Default `--to`: an address at the seeded tenant's inbound domain (`phishx.local`).
 * Verdicts default to GRAY: nothing scanned or authenticated this message locally.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultLocalVerdicts, deliverLocally, waitForOutcome } from '#adapters/local/ses-inbox.ts';
import type { ReceiptVerdict, ReceiptVerdicts } from '#core/detection/analysis.ts';
import { recipientDomain } from '#core/ingest/recipient-domains.ts';

const usage = `usage: npm run ses:replay -- <file.eml> [--to address]... [--verdict spam|virus|spf|dkim|dmarc=PASS|FAIL|GRAY|PROCESSING_FAILED|DISABLED]...
                   [--wait <seconds>] [--state-dir <dir>]`;

const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    to: { type: 'string', multiple: true },
    verdict: { type: 'string', multiple: true },
    wait: { type: 'string', default: '30' },
    'state-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [file] = positionals;
if (values.help || !file || positionals.length > 1) fail(usage);

const stateDir = resolve(values['state-dir'] ?? join(import.meta.dirname, '..', '.phishx'));
const runtimeFile = join(stateDir, 'runtime.json');
if (!existsSync(runtimeFile)) fail('The local stack is not running: start it with `npm start` first.');
const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as {
  url: string;
  tenant?: string;
  inboundDomain?: string;
};
if (!existsSync(file as string)) fail(`No such file: ${file}`);

const recipients = values.to ?? [`security@${runtime.inboundDomain ?? 'phishx.local'}`];
for (const recipient of recipients) {
  if (!recipientDomain(recipient)) fail(`--to ${recipient} is not an address (local@domain)`);
}

const statuses = new Set<ReceiptVerdict>(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);
const verdicts: Record<string, string> = { ...defaultLocalVerdicts };
for (const entry of values.verdict ?? []) {
  const [name, value] = entry.split('=');
  if (!name || !(name in defaultLocalVerdicts) || !statuses.has(value as ReceiptVerdict)) {
    fail(`--verdict ${entry}: expected <spam|virus|spf|dkim|dmarc>=<${[...statuses].join('|')}>`);
  }
  verdicts[name as string] = value as string;
}

const waitSeconds = Number(values.wait);
if (!Number.isFinite(waitSeconds) || waitSeconds <= 0) fail('--wait takes a number of seconds');

const raw = readFileSync(file as string);
const messageId = deliverLocally(stateDir, raw, recipients, verdicts as unknown as ReceiptVerdicts);
console.log(
  `Delivered ${file} (${raw.byteLength} bytes) as SES message ${messageId} to ${recipients.join(', ')}`,
);

const outcome = await waitForOutcome(stateDir, messageId, waitSeconds * 1000);
if (!outcome) {
  fail(`No outcome after ${waitSeconds}s: is the local stack (npm start) running on this state folder?`);
} else if (outcome.status === 'failed') {
  fail(
    `Not ingested after ${outcome.attempts} attempts: ${outcome.reason}. The event is in ${join(stateDir, 'ses-dlq')}.`,
  );
} else {
  if (outcome.unknownDomains > 0) {
    console.log(
      `${outcome.unknownDomains} recipient domain(s) belong to no tenant: dropped and audited (map one with ` +
        '`npm run admin -- map-domain <domain> --tenant <id>`).',
    );
  }
  if (outcome.delivered.length === 0) fail('Nothing was stored: no recipient domain is mapped to a tenant.');
  const credentialsFile = join(stateDir, 'admin-credentials.json');
  const admin = existsSync(credentialsFile)
    ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as { username: string; password: string })
    : { username: '<user>', password: '<password>' };
  for (const email of outcome.delivered) {
    console.log(
      `  tenant ${email.tenant}   email ${email.id}${email.duplicate ? '   (already received: unchanged)' : ''}`,
    );
  }
  const [first] = outcome.delivered;
  const tokenNote =
    first && first.tenant !== runtime.tenant
      ? `   # a user of tenant ${first.tenant}, not the seeded admin`
      : '';
  console.log(`
See its analysis (a token of the tenant that received it):

  TOKEN=$(curl -s ${runtime.url}/v1/auth/token -H 'Content-Type: application/json' \\
    -d '{"username":"${admin.username}","password":"${admin.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')${tokenNote}
  curl -s ${runtime.url}/v1/emails/${first?.id} -H "Authorization: Bearer $TOKEN"
`);
}
