/**
 * `npm start`: the whole PhishX pipeline on this machine. State lives in `.phishx/` and survives
 * a restart; Ctrl-C stops everything, DynamoDB Local included.
 */
import { resolve } from 'node:path';
import { startLocalStack } from './local-stack.ts';

// Node 20 is this project's development runtime (functions run on nodejs22.x): the SDK's
// notice that future releases need Node 22 is known, and noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(2);
}

const stateDir = resolve(import.meta.dirname, '..', '.phishx');
const stack = await startLocalStack({
  port,
  stateDir,
  principalRateLimits: true,
  tenant: process.env.PHISHX_TENANT ?? 'default',
  admin: {
    username: process.env.PHISHX_ADMIN_USER ?? 'admin',
    ...(process.env.PHISHX_ADMIN_PASSWORD && { password: process.env.PHISHX_ADMIN_PASSWORD }),
  },
});

const { url, admin, tenant } = stack;
const passwordNote = process.env.PHISHX_ADMIN_PASSWORD
  ? '(from PHISHX_ADMIN_PASSWORD)'
  : `(generated; kept in .phishx/admin-credentials.json)`;
console.log(`
PhishX is running at ${url}   (state in .phishx/, Ctrl-C to stop)

  tenant    ${tenant}
  admin     ${admin.username}
  password  ${admin.password}  ${passwordNote}${admin.created || !process.env.PHISHX_ADMIN_PASSWORD ? '' : '\n            (this admin already existed: it keeps the password it was first created with)'}

Try it:

  TOKEN=$(curl -s ${url}/v1/auth/token -H 'Content-Type: application/json' \\
    -d '{"username":"${admin.username}","password":"${admin.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  ID=$(curl -s ${url}/v1/emails -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: message/rfc822' --data-binary @../shared/corpus/phish/$(ls ../shared/corpus/phish | head -1) \\
    | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
  sleep 1; curl -s ${url}/v1/emails/$ID -H "Authorization: Bearer $TOKEN"
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping PhishX…`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
