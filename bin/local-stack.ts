/**
 * The whole pipeline on one machine, on real parts: the real handlers behind a local REST API
 * server, DynamoDB Local as the database, an in-process queue with SQS semantics feeding the
 * analysis handler, a local AES-256 key file for KMS and a generated signing key for Secrets
 * Manager. `npm start` runs it; the end-to-end tests start the same thing on free ports.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SESEvent, SQSEvent } from 'aws-lambda';
import { DynamoDbBranchKeyRepository } from '#adapters/dynamodb/branch-key-repository.ts';
import { DynamoDbAuditStore } from '#adapters/dynamodb/audit-store.ts';
import { createTables } from '#adapters/dynamodb/create-tables.ts';
import { keyPrefixed } from '#core/ratelimit/sliding-window.ts';
import { InProcessQueue, type InProcessQueueOptions } from '#adapters/local/in-process-queue.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { LocalRawMailStore } from '#adapters/local/local-raw-mail-store.ts';
import { LocalSigningKeys } from '#adapters/local/local-signing-keys.ts';
import { startRestApiServer } from '#adapters/local/rest-api-server.ts';
import { LocalSesInbox, type LocalSesInboxOptions, sesFolders } from '#adapters/local/ses-inbox.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createTenant, createUser, mapDomain } from '#core/auth/accounts.ts';
import type { ScryptCost } from '#core/auth/passwords.ts';
import type { Analysis, AnalysisContext } from '#core/detection/analysis.ts';
import { AuditTrail } from '#core/audit/audit-trail.ts';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import type { ParsedEmail } from '#core/email/parsed-email.ts';
import { isDomainError } from '#core/errors.ts';
import { type FunctionName, routes } from '#shared/catalog.ts';
import { envNames } from '#shared/env.ts';
import { backupRetentionDays, mainTable, physicalTableName } from '#shared/tables.ts';
import { startDynamoDbLocal } from '../scripts/dynamodb-local.mjs';

export const localStage = 'local';

/** Written while the stack runs, for tools such as `npm run admin` (relative to the state dir's parent). */
export const localRuntimeFile = '.phishx/runtime.json';

export interface LocalStackOptions {
  /** Port of the API on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Where keys, the database and the queue live between runs. */
  readonly stateDir: string;
  /** Use this DynamoDB (tests share one); otherwise start DynamoDB Local persisting under stateDir. */
  readonly dynamoDbEndpoint?: string;
  readonly tenant?: string;
  readonly admin?: { readonly username: string; readonly password?: string };
  /** Queue behaviour; tests shorten the timeouts. */
  readonly queue?: InProcessQueueOptions;
  /** Replaces the detection engine (tests inject failures). */
  readonly analyse?: (email: ParsedEmail, context: AnalysisContext) => Analysis;
  /** Tests lower the scrypt cost for seeded users; production cost otherwise. */
  readonly passwordCost?: ScryptCost;
  /**
   * Per-principal route limits (route table `rateLimit`, else the default). Off unless set, so
   * tests may poll; `npm start` turns them on. The token endpoint's IP limits and brute-force
   * blocking are always on, counted per stack instance.
   */
  readonly principalRateLimits?: boolean;
  /**
   * The recipient domain mapped to the seeded tenant for SES inbound (`npm run ses:replay`).
   * Default: `phishx.local` for the `default` tenant, `<tenant>.phishx.local` for any other.
   */
  readonly inboundDomain?: string;
  /** The local SES inbox's polling and retries; tests shorten them. */
  readonly sesInbox?: LocalSesInboxOptions;
}

export interface LocalStack {
  readonly url: string;
  readonly tenant: string;
  readonly admin: { readonly username: string; readonly password: string; readonly created: boolean };
  readonly queue: InProcessQueue;
  /** Mail to any address at this domain, replayed through the local SES inbox, reaches `tenant`. */
  readonly inboundDomain: string;
  stop(): Promise<void>;
}

let invocations = 0;
const lambdaContext = (name: FunctionName, timeoutSeconds = 30): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  invocations += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `phishx-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:phishx-local-${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${process.pid}-${invocations}`,
    logGroupName: `/aws/lambda/phishx-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/** The admin's credentials, kept (mode 0600) so a restart can print them again. */
const adminCredentials = (stateDir: string, wanted: LocalStackOptions['admin']) => {
  const file = join(stateDir, 'admin-credentials.json');
  if (wanted?.password) return { username: wanted.username, password: wanted.password };
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { username: string; password: string };
    if (!wanted || saved.username === wanted.username) return saved;
  }
  const generated = {
    username: wanted?.username ?? 'admin',
    password: Buffer.from(cryptoRandom.bytes(18)).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
  return generated;
};

export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    let endpoint = options.dynamoDbEndpoint;
    if (!endpoint) {
      const dynamo = await startDynamoDbLocal({
        port: await freeLoopbackPort(),
        dbPath: join(stateDir, 'dynamodb'),
      });
      stops.push(dynamo.stop);
      endpoint = dynamo.endpoint;
    }

    // The handlers read their configuration from the environment, as in AWS: set it before
    // importing them. Only DynamoDB is reached through the AWS SDK locally.
    Object.assign(process.env, {
      [envNames.stage]: localStage,
      [envNames.tableName]: physicalTableName(localStage, mainTable),
      [envNames.dynamoDbEndpoint]: endpoint,
      [envNames.dataKeyId]: 'local',
      [envNames.queueUrl]: 'local',
      [envNames.signingSecretId]: 'local',
      [envNames.verificationKeysSecretId]: 'local',
      // Raw SES mail is read from .phishx/ses-bucket/ locally (the handler gets that store injected).
      [envNames.mailBucket]: 'local',
      [envNames.jwtIssuer]: 'phishx-local',
      [envNames.jwtAudience]: 'phishx-api',
      AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const dynamo = new DynamoDBClient({ endpoint });
    await createTables(dynamo, localStage);
    dynamo.destroy();

    const dataKeys = LocalDataKeyProvider.fromFile(join(stateDir, 'master.key'), cryptoRandom);
    const signingKeys = await LocalSigningKeys.fromFile(join(stateDir, 'signing-keys.json'));
    const queue = new InProcessQueue({ statePath: join(stateDir, 'queue.json'), ...options.queue });

    const aws = await import('#adapters/aws.ts');
    // KMS stands in as the local master key; branch keys live in DynamoDB Local, as in AWS.
    // Imported here, not at the top: the logger reads its level from the environment set above.
    const { cryptoMetrics } = await import('#shared/observability.ts');
    const keyring = new BranchKeyring({
      repository: new DynamoDbBranchKeyRepository(aws.documentClient(), aws.tableName()),
      kms: dataKeys,
      clock: systemClock,
      observer: cryptoMetrics,
    });
    const [{ createTokenHandler }, { createAuthorizer }, { createIngestHandler }, { createGetEmailHandler }] =
      await Promise.all([
        import('../lambdas/auth/token.ts'),
        import('../lambdas/auth/authorizer.ts'),
        import('../lambdas/ingest/http-ingest.ts'),
        import('../lambdas/api/get-email.ts'),
      ]);
    const [{ createHealthHandler }, { createAnalysisHandler }, { tableProbe }, { createSesIngestHandler }] =
      await Promise.all([
        import('../lambdas/api/health.ts'),
        import('../lambdas/analysis/analyse-emails.ts'),
        import('#adapters/dynamodb/table-probe.ts'),
        import('../lambdas/ingest/ses-ingest.ts'),
      ]);

    const [
      { createRefreshHandler },
      { createSessionHandler },
      { createJwksHandler },
      { createListEmailsHandler },
    ] = await Promise.all([
      import('../lambdas/auth/refresh.ts'),
      import('../lambdas/auth/session.ts'),
      import('../lambdas/auth/jwks.ts'),
      import('../lambdas/api/list-emails.ts'),
    ]);

    const settings = aws.tokenSettings();
    const ports = { clock: systemClock, random: cryptoRandom };
    // The audit trail seals with the local keyring (aws.auditTrail() would reach for KMS).
    const auditTrail = new AuditTrail({
      store: new DynamoDbAuditStore(aws.documentClient(), aws.tableName()),
      keyring,
      random: cryptoRandom,
    });
    const identity = {
      families: aws.refreshFamilies(),
      revocations: aws.revocations(),
      audit: auditTrail,
      clients: aws.clients(),
    };
    const { createAuditHandler } = await import('../lambdas/api/audit.ts');
    const { createDataSubjectsHandler } = await import('../lambdas/api/data-subjects.ts');
    const { createClientsHandler } = await import('../lambdas/auth/clients.ts');
    const { createUsersHandler } = await import('../lambdas/auth/users.ts');
    // DynamoDB, as in AWS, but keyed per stack instance: stacks sharing one DynamoDB Local (the
    // tests) all call from 127.0.0.1 and would otherwise share its counters.
    const rateLimits = keyPrefixed(aws.rateLimits(), `local-${randomUUID().slice(0, 8)}`);
    const httpOptions = options.principalRateLimits
      ? { rateLimits: { store: rateLimits, clock: systemClock } }
      : {};
    const http = {
      'auth-token': createTokenHandler({
        users: aws.users(),
        signingKeys,
        settings,
        rateLimits,
        ...identity,
        ...ports,
      }),
      'auth-refresh': createRefreshHandler({
        users: aws.users(),
        signingKeys,
        settings,
        graceSeconds: aws.refreshGraceSeconds(),
        ...identity,
        ...ports,
      }),
      'auth-session': createSessionHandler({ ...identity, clock: systemClock }, httpOptions),
      jwks: createJwksHandler({ signingKeys }),
      'audit-log': createAuditHandler({ audit: auditTrail }, httpOptions),
      'data-subjects': createDataSubjectsHandler(
        {
          emails: aws.emails(),
          audit: auditTrail,
          users: aws.users(),
          revocations: identity.revocations,
          keyring,
          backupRetentionDays,
          ...ports,
        },
        httpOptions,
      ),
      'admin-clients': createClientsHandler({ ...identity, ...ports }, httpOptions),
      'admin-users': createUsersHandler(
        {
          users: aws.users(),
          revocations: identity.revocations,
          audit: auditTrail,
          ...ports,
          ...(options.passwordCost && { passwordCost: options.passwordCost }),
        },
        httpOptions,
      ),
      'ingest-email': createIngestHandler(
        {
          emails: aws.emails(),
          queue: { enqueue: async (job) => void (await queue.send(JSON.stringify(job))) },
          keyring,
          parse: parseEmail,
          ...ports,
        },
        httpOptions,
      ),
      'get-email': createGetEmailHandler(
        { emails: aws.emails(), keyring, random: cryptoRandom },
        httpOptions,
      ),
      'list-emails': createListEmailsHandler(
        { emails: aws.emails(), keyring, random: cryptoRandom },
        httpOptions,
      ),
      health: createHealthHandler([
        tableProbe(aws.documentClient(), aws.tableName()),
        { name: 'queue', check: async () => void queue.stats() },
        { name: 'keys', check: async () => void (await signingKeys.current()) },
      ]),
    } as const;
    // SES inbound: the same handler as in AWS, reading raw mail from a folder standing in for S3.
    const sesIngest = createSesIngestHandler({
      emails: aws.emails(),
      queue: { enqueue: async (job) => void (await queue.send(JSON.stringify(job))) },
      keyring,
      domains: aws.domains(),
      audit: aws.audit(),
      mail: new LocalRawMailStore(sesFolders(stateDir).bucket),
      parse: parseEmail,
      ...ports,
    });
    const authorizer = createAuthorizer({
      signingKeys,
      settings,
      clock: systemClock,
      revocations: identity.revocations,
    });
    const analysis = createAnalysisHandler(
      {
        emails: aws.emails(),
        tenants: aws.tenants(),
        keyring,
        analyse: options.analyse ?? analyseEmail,
        ...ports,
      },
      queue.maxReceiveCount,
    );

    // Seed a tenant and its admin, once; a restart keeps them.
    const tenant = options.tenant ?? 'default';
    const inboundDomain =
      options.inboundDomain ?? (tenant === 'default' ? 'phishx.local' : `${tenant}.phishx.local`);
    await createTenant(
      { id: tenant, name: tenant, domains: [inboundDomain] },
      { tenants: aws.tenants(), clock: systemClock },
    );
    try {
      // Also for a tenant seeded before SES inbound existed (its item predates the domain).
      await mapDomain(inboundDomain, tenant, {
        tenants: aws.tenants(),
        domains: aws.domains(),
        clock: systemClock,
      });
    } catch (error) {
      if (!(isDomainError(error) && error.code === 'domain_taken')) throw error;
      console.warn(
        `The inbound domain ${inboundDomain} belongs to another tenant; ses:replay --to must name another.`,
      );
    }
    const credentials = adminCredentials(stateDir, options.admin);
    let created = true;
    try {
      await createUser(
        { ...credentials, tenant, role: 'admin' },
        { users: aws.users(), ...ports, ...(options.passwordCost && { passwordCost: options.passwordCost }) },
      );
    } catch (error) {
      if (!(isDomainError(error) && error.code === 'username_taken')) throw error;
      created = false;
    }

    queue.start((event: SQSEvent) => analysis(event, lambdaContext('analysis', 60)));
    stops.push(() => queue.stop());

    const sesInbox = new LocalSesInbox(stateDir, options.sesInbox);
    sesInbox.start((event: SESEvent) => sesIngest(event, lambdaContext('ingest-ses', 60)));
    stops.push(() => sesInbox.stop());

    const server = await startRestApiServer({
      routes,
      stage: localStage,
      port: options.port,
      handlerFor: (name) => {
        if (
          name === 'authorizer' ||
          name === 'analysis' ||
          name === 'ingest-ses' ||
          name === 'rewrap-items'
        ) {
          throw new Error(`${name} is not an HTTP function`);
        }
        const handle = http[name];
        return (event) => handle(event, lambdaContext(name));
      },
      authorizer: (event) => authorizer(event, lambdaContext('authorizer')),
    });
    stops.push(() => server.close());

    const runtimeFile = join(stateDir, 'runtime.json');
    writeFileSync(
      runtimeFile,
      JSON.stringify({ url: server.url, dynamoDbEndpoint: endpoint, tenant, inboundDomain }),
      { mode: 0o600 },
    );
    stops.push(async () => rmSync(runtimeFile, { force: true }));

    return {
      url: server.url,
      tenant,
      admin: { ...credentials, created },
      queue,
      inboundDomain,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

const freeLoopbackPort = async (): Promise<number> => {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
};
