/**
 * `npm run admin -- <command>`: creates tenants and users, against the running local stack
 * (`--local`, the default) or a deployed stage (`--stage <name> --region <region>`, with your
 * AWS credentials; the table is found by its deterministic name).
 *
 *   npm run admin -- create-tenant acme --domain acme.example
 *   npm run admin -- create-user ana@acme.example --tenant acme --role soc_analyst
 *   npm run admin -- create-client "Mail gateway" --tenant acme      (machine client; secret shown once)
 *   npm run admin -- map-domain mail.acme.example --tenant acme     (SES inbound routing)
 *   npm run admin -- rotate-branch-key --tenant acme                (new branch key version now)
 *   npm run admin -- rewrap [--segments 4]                          (the rotation job, to the end)
 *
 * The password comes from PHISHX_PASSWORD, or is generated and printed once. The key commands
 * use the stage's KMS data key (by its alias) or, locally, the running stack's master key file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbTenantRepository, DynamoDbUserRepository } from '#adapters/dynamodb/account-repositories.ts';
import { DynamoDbBranchKeyRepository } from '#adapters/dynamodb/branch-key-repository.ts';
import { DynamoDbClientRepository } from '#adapters/dynamodb/client-repository.ts';
import { createDocumentClient } from '#adapters/dynamodb/document-client.ts';
import { DynamoDbDomainRepository } from '#adapters/dynamodb/domain-repository.ts';
import { DynamoDbRewrapCheckpoints } from '#adapters/dynamodb/rewrap-checkpoints.ts';
import { DynamoDbRewrapSource } from '#adapters/dynamodb/rewrap-scan.ts';
import { KmsDataKeyProvider } from '#adapters/kms/kms-data-key-provider.ts';
import { LocalDataKeyProvider } from '#adapters/local/local-data-key-provider.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createTenant, createUser, mapDomain } from '#core/auth/accounts.ts';
import { createClient } from '#core/auth/clients.ts';
import { BranchKeyring } from '#core/crypto/branch-keyring.ts';
import type { DataKeyProvider } from '#core/ports.ts';
import { isDomainError } from '#core/errors.ts';
import { passPercent, RewrapRunError, runRewrap } from '#core/rotation/rewrap-items.ts';
import { isRole, roles } from '#shared/scopes.ts';
import { mainTable, physicalTableName } from '#shared/tables.ts';
import { stageNames } from '../lib/config/names.ts';
import { localRuntimeFile, localStage } from './local-stack.ts';

// Node 20 is this project's development runtime (functions run on nodejs22.x): the SDK's
// notice that future releases need Node 22 is known, and noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const usage = `usage:
  npm run admin -- create-tenant <id> [--name <name>] [--domain <domain>]... [target]
  npm run admin -- create-user <username> --tenant <id> --role <${roles.join('|')}> [target]
  npm run admin -- create-client <name> --tenant <id> [target]  (api_client credentials for a gateway or SOC tool)
  npm run admin -- map-domain <domain> --tenant <id> [target]   (SES inbound: mail for the domain goes to the tenant)
  npm run admin -- rotate-branch-key --tenant <id> [target]     (a new branch key version; old ones decrypt only)
  npm run admin -- rewrap [--segments <n>] [target]             (re-wrap stored items to their newest key; resumable)
target: --local (default; the running npm start) | --stage <name> --region <region>
rewrap targets the primary region of a stage (the table is global; one writer is enough).`;

const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    local: { type: 'boolean' },
    stage: { type: 'string' },
    region: { type: 'string' },
    tenant: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    domain: { type: 'string', multiple: true },
    segments: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, subject] = positionals;
const withoutSubject = new Set(['rotate-branch-key', 'rewrap']);
if (values.help || !command || (!subject && !withoutSubject.has(command))) fail(usage);

const target = () => {
  if (values.stage) {
    if (!values.region) fail('--stage needs --region');
    return {
      client: createDocumentClient({ region: values.region }),
      tableName: physicalTableName(values.stage as string, mainTable),
    };
  }
  const runtime = join(import.meta.dirname, '..', localRuntimeFile);
  if (!existsSync(runtime))
    fail('The local stack is not running: start it with `npm start`, or pass --stage.');
  const { dynamoDbEndpoint } = JSON.parse(readFileSync(runtime, 'utf8')) as { dynamoDbEndpoint: string };
  return {
    client: createDocumentClient({
      endpoint: dynamoDbEndpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    tableName: physicalTableName(localStage, mainTable),
  };
};

/** The key that wraps branch keys: the stage's KMS data key, or the local stack's master key file. */
const dataKeys = (): DataKeyProvider => {
  if (values.stage) {
    const alias = stageNames({ stage: values.stage }).dataKeyAlias;
    return new KmsDataKeyProvider(new KMSClient({ region: values.region as string }), alias);
  }
  const masterKey = join(import.meta.dirname, '..', '.phishx', 'master.key');
  // Never create one here: a new master key would wrap keys the stack cannot unwrap.
  if (!existsSync(masterKey)) fail('No local master key: start the local stack with `npm start` first.');
  return LocalDataKeyProvider.fromFile(masterKey, cryptoRandom);
};

try {
  const { client, tableName } = target();
  if (command === 'create-tenant') {
    const created = await createTenant(
      { id: subject as string, name: values.name ?? (subject as string), domains: values.domain ?? [] },
      {
        tenants: new DynamoDbTenantRepository(client, tableName),
        domains: new DynamoDbDomainRepository(client, tableName),
        clock: systemClock,
      },
    );
    console.log(created ? `tenant ${subject} created` : `tenant ${subject} already exists (unchanged)`);
    for (const domain of values.domain ?? [])
      console.log(`SES inbound mail for ${domain} goes to tenant ${subject}`);
  } else if (command === 'map-domain') {
    if (!values.tenant) fail('map-domain needs --tenant');
    await mapDomain(subject as string, values.tenant as string, {
      tenants: new DynamoDbTenantRepository(client, tableName),
      domains: new DynamoDbDomainRepository(client, tableName),
      clock: systemClock,
    });
    console.log(`SES inbound mail for ${subject} goes to tenant ${values.tenant}`);
  } else if (command === 'create-user') {
    if (!values.tenant) fail('create-user needs --tenant');
    if (!isRole(values.role)) fail(`create-user needs --role ${roles.join('|')}`);
    const tenants = new DynamoDbTenantRepository(client, tableName);
    if (!(await tenants.get(values.tenant as string))) fail(`no tenant ${values.tenant}: create it first`);
    const generated = !process.env.PHISHX_PASSWORD;
    const password = process.env.PHISHX_PASSWORD ?? Buffer.from(cryptoRandom.bytes(18)).toString('base64url');
    await createUser(
      { username: subject as string, password, tenant: values.tenant as string, role: values.role as never },
      { users: new DynamoDbUserRepository(client, tableName), clock: systemClock, random: cryptoRandom },
    );
    console.log(`user ${subject} created in tenant ${values.tenant} as ${values.role}`);
    if (generated) console.log(`password: ${password}   (shown once; store it now)`);
  } else if (command === 'create-client') {
    if (!values.tenant) fail('create-client needs --tenant');
    const tenants = new DynamoDbTenantRepository(client, tableName);
    if (!(await tenants.get(values.tenant as string))) fail(`no tenant ${values.tenant}: create it first`);
    const created = await createClient(
      { tenant: values.tenant as string, name: subject as string },
      { clients: new DynamoDbClientRepository(client, tableName), clock: systemClock, random: cryptoRandom },
    );
    console.log(`client "${subject}" created in tenant ${values.tenant} (role api_client)`);
    console.log(`client_id:     ${created.client.clientId}`);
    console.log(`client_secret: ${created.secret}   (shown once; store it now)`);
  } else if (command === 'rotate-branch-key') {
    if (!values.tenant) fail('rotate-branch-key needs --tenant');
    const tenant = values.tenant as string;
    const branchKeys = new DynamoDbBranchKeyRepository(client, tableName);
    const latest = await branchKeys.latest(tenant);
    if (!latest) fail(`tenant ${tenant} has no branch key yet (its first sealed item creates one)`);
    const keyring = new BranchKeyring({ repository: branchKeys, kms: dataKeys(), clock: systemClock });
    const version = await keyring.rotate(tenant);
    console.log(
      `tenant ${tenant}: branch key version ${version} (was ${latest?.version}, created ${latest?.createdAt})`,
    );
    console.log('new items use it within 5 minutes (the keyring cache); older versions now only decrypt.');
    console.log('stored items move to it with `rewrap` (or the daily job).');
  } else if (command === 'rewrap') {
    const segments = Number(values.segments ?? '4');
    if (!Number.isInteger(segments) || segments < 1 || segments > 64) fail('--segments must be 1-64');
    const branchKeys = new DynamoDbBranchKeyRepository(client, tableName);
    let stopping = false;
    // Ctrl-C stops after the current pages, cursors saved; the next `rewrap` resumes there.
    process.once('SIGINT', () => {
      stopping = true;
      console.error('stopping after the current pages…');
    });
    try {
      const report = await runRewrap(
        {
          source: new DynamoDbRewrapSource(client, tableName),
          checkpoints: new DynamoDbRewrapCheckpoints(client, tableName),
          keyring: new BranchKeyring({ repository: branchKeys, kms: dataKeys(), clock: systemClock }),
          branchKeys,
          clock: systemClock,
          random: cryptoRandom,
          onFailure: (item, reason) =>
            console.error(`not re-wrapped: tenant ${item.tenant} email ${item.id} (${reason})`),
          onRotated: (tenant, from, version) =>
            console.log(
              `tenant ${tenant}: branch key rotated (version ${from} -> ${version}, period reached)`,
            ),
        },
        { totalSegments: segments, keepGoing: () => !stopping },
      );
      console.log(
        `pass ${report.pass}: ${report.passComplete ? 'complete' : `${passPercent(report)}% of segments done`}; ` +
          `scanned ${report.scanned}, re-wrapped ${report.rewrapped}, already current ${report.alreadyCurrent}, ` +
          `skipped ${report.skipped}, failed ${report.failed}, branch keys rotated ${report.branchKeysRotated}`,
      );
      if (report.failed > 0) process.exitCode = 1;
    } catch (error) {
      if (error instanceof RewrapRunError) {
        console.error(`stopped on an error after re-wrapping ${error.report.rewrapped}; run again to resume`);
      }
      throw error;
    }
  } else {
    fail(usage);
  }
} catch (error) {
  if (isDomainError(error)) fail(`${error.code}: ${error.message}`);
  throw error;
}
