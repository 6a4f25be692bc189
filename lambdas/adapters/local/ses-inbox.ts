/**
 * SES inbound on a developer's machine. `npm run ses:replay` plays SES: it stores the raw
 * message as SES's S3 action would (a file under `.phishx/ses-bucket/<prefix><messageId>`) and
 * drops an SES-shaped Lambda event into `.phishx/ses-inbox/`. The running local stack polls that
 * folder and invokes the real ses-ingest handler with it, like the Lambda action: up to three
 * attempts (Lambda's two async retries), then the event moves to `.phishx/ses-dlq/`. Either way
 * it writes the outcome to `.phishx/ses-outbox/<messageId>.json` for the replay to print.
 *
 * Files, not a socket: the replay and the stack are separate processes, and a folder survives a
 * stack restart (an event dropped while the stack is down is picked up when it starts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SESEvent } from 'aws-lambda';
import type { ReceiptVerdicts } from '#core/detection/analysis.ts';
import { sesObjectKey } from '#shared/catalog.ts';

export const sesFolders = (stateDir: string) => ({
  bucket: join(stateDir, 'ses-bucket'),
  inbox: join(stateDir, 'ses-inbox'),
  outbox: join(stateDir, 'ses-outbox'),
  deadLetters: join(stateDir, 'ses-dlq'),
});

export interface SesOutcome {
  readonly sesMessageId: string;
  readonly status: 'ingested' | 'failed';
  readonly delivered: readonly {
    readonly tenant: string;
    readonly id: string;
    readonly duplicate: boolean;
  }[];
  readonly unknownDomains: number;
  readonly attempts: number;
  /** The error code of the last attempt, when it failed. */
  readonly reason?: string;
}

/** What the handler reports back (see lambdas/ingest/ses-ingest.ts). */
export interface SesHandlerReport {
  readonly messages: readonly {
    readonly sesMessageId: string;
    readonly delivered: SesOutcome['delivered'];
    readonly unknownDomains: number;
  }[];
}

/** Writes via a temporary name and a rename, so a poller never reads half a file. */
const writeAtomically = (path: string, data: string | Uint8Array) => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, path);
};

/** An id in SES's style (lower-case letters and digits). */
export const newSesMessageId = (): string =>
  [...randomBytes(24)].map((byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('');

export const defaultLocalVerdicts: ReceiptVerdicts = {
  // Nothing scanned or authenticated this message locally: "no verdict", not a made-up PASS.
  spam: 'GRAY',
  virus: 'GRAY',
  spf: 'GRAY',
  dkim: 'GRAY',
  dmarc: 'GRAY',
};

/** The event SES's Lambda action sends, with the fields PhishX reads filled in faithfully. */
export const sesLambdaEvent = (delivery: {
  readonly messageId: string;
  readonly recipients: readonly string[];
  readonly verdicts: ReceiptVerdicts;
  readonly at?: Date;
}): SESEvent => {
  const timestamp = (delivery.at ?? new Date()).toISOString();
  const status = (value: ReceiptVerdicts[keyof Omit<ReceiptVerdicts, 'dmarcPolicy'>]) => ({ status: value });
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: 'replay@localhost',
            messageId: delivery.messageId,
            destination: [...delivery.recipients],
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: 'replay@localhost', date: timestamp, messageId: delivery.messageId },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 1,
            recipients: [...delivery.recipients],
            spamVerdict: status(delivery.verdicts.spam),
            virusVerdict: status(delivery.verdicts.virus),
            spfVerdict: status(delivery.verdicts.spf),
            dkimVerdict: status(delivery.verdicts.dkim),
            dmarcVerdict: status(delivery.verdicts.dmarc),
            ...(delivery.verdicts.dmarcPolicy && { dmarcPolicy: delivery.verdicts.dmarcPolicy }),
            action: {
              type: 'Lambda',
              functionArn: 'arn:aws:lambda:local:000000000000:function:phishx-local-ingest-ses',
              invocationType: 'Event',
            },
          },
        },
      },
    ],
  } as SESEvent;
};

/** Delivers a message the way SES does: object first, then the event. Returns SES's message id. */
export const deliverLocally = (
  stateDir: string,
  raw: Uint8Array,
  recipients: readonly string[],
  verdicts: ReceiptVerdicts = defaultLocalVerdicts,
): string => {
  const folders = sesFolders(stateDir);
  const messageId = newSesMessageId();
  writeAtomically(join(folders.bucket, sesObjectKey(messageId)), raw);
  writeAtomically(
    join(folders.inbox, `${messageId}.json`),
    JSON.stringify(sesLambdaEvent({ messageId, recipients, verdicts })),
  );
  return messageId;
};

export const readOutcome = (stateDir: string, messageId: string): SesOutcome | null => {
  const path = join(sesFolders(stateDir).outbox, `${messageId}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SesOutcome) : null;
};

export const waitForOutcome = async (stateDir: string, messageId: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = readOutcome(stateDir, messageId);
    if (outcome || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

export interface LocalSesInboxOptions {
  readonly pollIntervalMs?: number;
  /** Attempts per event before it is dead-lettered; Lambda's async invocation makes three. */
  readonly maxAttempts?: number;
  /** Pause between attempts (Lambda waits about a minute, then two). */
  readonly retryDelayMs?: number;
}

/** Polls the inbox and feeds each event to the handler, as SES's Lambda action would. */
export class LocalSesInbox {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly folders;
  private readonly pollIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;

  constructor(stateDir: string, options: LocalSesInboxOptions = {}) {
    this.folders = sesFolders(stateDir);
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    for (const folder of Object.values(this.folders)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  }

  start(handle: (event: SESEvent) => Promise<SesHandlerReport>): void {
    const tick = async () => {
      try {
        await this.drain(handle);
      } finally {
        if (this.timer !== undefined)
          this.timer = setTimeout(() => void (this.running = tick()), this.pollIntervalMs);
      }
    };
    this.timer = setTimeout(() => void (this.running = tick()), 0);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.running;
  }

  private async drain(handle: (event: SESEvent) => Promise<SesHandlerReport>): Promise<void> {
    const files = readdirSync(this.folders.inbox)
      .filter((name) => name.endsWith('.json'))
      .sort();
    for (const name of files) {
      if (this.timer === undefined) return;
      const path = join(this.folders.inbox, name);
      const event = JSON.parse(readFileSync(path, 'utf8')) as SESEvent;
      const messageId = event.Records[0]?.ses.mail.messageId ?? name.replace(/\.json$/, '');
      let outcome: SesOutcome | undefined;
      for (let attempt = 1; attempt <= this.maxAttempts && !outcome; attempt += 1) {
        try {
          const report = await handle(event);
          const message = report.messages.find((entry) => entry.sesMessageId === messageId);
          outcome = {
            sesMessageId: messageId,
            status: 'ingested',
            delivered: message?.delivered ?? [],
            unknownDomains: message?.unknownDomains ?? 0,
            attempts: attempt,
          };
        } catch (error) {
          if (attempt === this.maxAttempts) {
            const code = (error as { code?: unknown }).code;
            outcome = {
              sesMessageId: messageId,
              status: 'failed',
              delivered: [],
              unknownDomains: 0,
              attempts: attempt,
              reason: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown',
            };
            writeAtomically(
              join(this.folders.deadLetters, name),
              JSON.stringify({ event, reason: outcome.reason }),
            );
          } else {
            await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
          }
        }
      }
      if (outcome) writeAtomically(join(this.folders.outbox, `${messageId}.json`), JSON.stringify(outcome));
      rmSync(path, { force: true });
    }
  }
}
