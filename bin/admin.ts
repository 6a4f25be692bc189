/**
 * `npm run admin -- <command>`: creates tenants and users, against the running local stack
 * (`--local`, the default) or a deployed stage (`--stage <name> --region <region>`, with your
 * AWS credentials; the table is found by its deterministic name).
 *
 *   npm run admin -- create-tenant acme --domain acme.example
 *   npm run admin -- create-user ana@acme.example --tenant acme --role soc_analyst
 *   npm run admin -- map-domain mail.acme.example --tenant acme     (SES inbound routing)
 *
 * The password comes from PHISHX_PASSWORD, or is generated and printed once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDbTenantRepository, DynamoDbUserRepository } from '#adapters/dynamodb/account-repositories.ts';
import { createDocumentClient } from '#adapters/dynamodb/document-client.ts';
import { DynamoDbDomainRepository } from '#adapters/dynamodb/domain-repository.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createTenant, createUser, mapDomain } from '#core/auth/accounts.ts';
import { isDomainError } from '#core/errors.ts';
import { isRole, roles } from '#shared/scopes.ts';
import { mainTable, physicalTableName } from '#shared/tables.ts';
import { localRuntimeFile, localStage } from './local-stack.ts';

// Node 20 is this project's development runtime (functions run on nodejs22.x): the SDK's
// notice that future releases need Node 22 is known, and noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const usage = `usage:
  npm run admin -- create-tenant <id> [--name <name>] [--domain <domain>]... [target]
  npm run admin -- create-user <username> --tenant <id> --role <${roles.join('|')}> [target]
  npm run admin -- map-domain <domain> --tenant <id> [target]   (SES inbound: mail for the domain goes to the tenant)
target: --local (default; the running npm start) | --stage <name> --region <region>`;

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
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, subject] = positionals;
if (values.help || !command || !subject) fail(usage);

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
  } else {
    fail(usage);
  }
} catch (error) {
  if (isDomainError(error)) fail(`${error.code}: ${error.message}`);
  throw error;
}
