#!/usr/bin/env node
/**
 * DynamoDB Local (the official engine, Java) for tests and the local runner.
 *
 *   node scripts/dynamodb-local.mjs install
 *     Idempotent. Fetches the engine from the npm registry (it ships inside
 *     amplify-dynamodb-simulator@2.9.30 under `emulator/`) into `.dynamodb-local/`, which is
 *     git-ignored: the DynamoDB Local licence forbids redistributing it. Also compiles the
 *     loopback launcher there when `javac` is available.
 *
 *   node scripts/dynamodb-local.mjs start [--port N] [--db-path DIR]
 *     Runs it in the foreground on 127.0.0.1 (in memory unless --db-path).
 *
 * `startDynamoDbLocal({ port, dbPath })` does the same from code and resolves once a real
 * ListTables call succeeds. DynamoDB Local has no bind option, so it is started through
 * `DynamoDbLocalLoopback.java`, which sets the Jetty connector host to 127.0.0.1.
 * Plain Node ESM, no dependencies.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const scriptsDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(scriptsDir, '..');
export const installDir = join(repoRoot, '.dynamodb-local');
const jarPath = join(installDir, 'DynamoDBLocal.jar');
const libDir = join(installDir, 'DynamoDBLocal_lib');
const launcherSource = join(scriptsDir, 'DynamoDbLocalLoopback.java');
const launcherClassDir = join(installDir, 'launcher');
const launcherClass = join(launcherClassDir, 'DynamoDbLocalLoopback.class');
const HOST = '127.0.0.1';
const classPath = () =>
  [jarPath, join(libDir, '*'), launcherClassDir].join(process.platform === 'win32' ? ';' : ':');

const hasJavac = () => spawnSync('javac', ['-version'], { stdio: 'ignore' }).status === 0;

/** True when the compiled launcher is missing or older than its source. */
const launcherStale = () =>
  !existsSync(launcherClass) || statSync(launcherClass).mtimeMs < statSync(launcherSource).mtimeMs;

/** Compiles into a scratch folder and renames, so a concurrent start never sees half a class file. */
function compileLauncher() {
  mkdirSync(launcherClassDir, { recursive: true });
  const scratch = mkdtempSync(join(installDir, 'launcher-'));
  try {
    execFileSync('javac', ['-cp', classPath(), '-d', scratch, launcherSource], { stdio: 'inherit' });
    renameSync(join(scratch, 'DynamoDbLocalLoopback.class'), launcherClass);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Fetches the engine if needed and compiles the launcher if possible. Returns what it did. */
export function install() {
  const done = [];
  if (!existsSync(jarPath)) {
    const tmp = mkdtempSync(join(tmpdir(), 'phishx-ddb-'));
    try {
      const out = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', tmp], {
        cwd: tmp,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const tgz = out.trim().split('\n').pop() || readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
      mkdirSync(installDir, { recursive: true });
      execFileSync(
        'tar',
        ['-xzf', join(tmp, tgz), '-C', installDir, '--strip-components=2', 'package/emulator/'],
        { stdio: 'inherit' },
      );
      if (!existsSync(jarPath)) throw new Error(`${PACKAGE} did not contain emulator/DynamoDBLocal.jar`);
      done.push(`fetched DynamoDB Local from ${PACKAGE}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (launcherStale() && hasJavac()) {
    compileLauncher();
    done.push('compiled the loopback launcher');
  }
  return done;
}

function javaArgs({ port, dbPath }) {
  const launcher =
    existsSync(launcherClass) && !launcherStale() ? ['DynamoDbLocalLoopback'] : [launcherSource];
  const storage = dbPath === undefined ? ['-inMemory'] : ['-dbPath', dbPath];
  return [
    `-Djava.library.path=${libDir}`,
    '-Djava.net.preferIPv4Stack=true',
    '-cp',
    classPath(),
    ...launcher,
    '--host',
    HOST,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...storage,
  ];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tcpOpen = (port) =>
  new Promise((res) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', () => res(false));
    socket.once('timeout', () => {
      socket.destroy();
      res(false);
    });
  });

/** A ListTables call DynamoDB Local accepts: it wants an Authorization header but checks no signature. */
async function listTablesWorks(endpoint) {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20200101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) return false;
    const body = await response.json();
    return Array.isArray(body.TableNames);
  } catch {
    return false;
  }
}

/**
 * Starts DynamoDB Local on 127.0.0.1:`port`, in memory unless `dbPath` is given.
 * @param {{ port: number, dbPath?: string, timeoutMs?: number }} options
 * @returns {Promise<{ endpoint: string, pid: number, startupMs: number, exited: Promise<void>, stop: () => Promise<void> }>}
 */
export async function startDynamoDbLocal({ port, dbPath, timeoutMs = 60_000 }) {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid port: ${port}`);
  if (!existsSync(jarPath)) install();
  else if (launcherStale() && hasJavac()) compileLauncher();
  if (dbPath !== undefined) {
    dbPath = resolve(dbPath);
    mkdirSync(dbPath, { recursive: true });
  }
  const endpoint = `http://${HOST}:${port}`;
  if (await tcpOpen(port)) throw new Error(`port ${port} on ${HOST} is already in use`);
  const child = spawn('java', javaArgs({ port, dbPath }), {
    cwd: installDir,
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Printed by the launcher once *its* Jetty connector is open (not someone else's on that port).
  let listening = false;
  const keep = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
    if (!listening && output.includes('DynamoDbLocalLoopback: listening on')) listening = true;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  let exited = child.exitCode !== null;
  const exitedPromise = new Promise((res) => {
    child.once('exit', () => {
      exited = true;
      res();
    });
    child.once('error', (error) => {
      keep(`\n${error.message}`);
      exited = true;
      res();
    });
  });
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const stop = async (graceMs = 5000) => {
    process.off('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, graceMs);
    await exitedPromise;
    clearTimeout(timer);
  };

  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`DynamoDB Local exited during start-up (port ${port}):\n${output.trim().slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${output.trim().slice(-2000)}`,
      );
    }
    if (listening && (await tcpOpen(port)) && (await listTablesWorks(endpoint))) break;
    await sleep(100);
  }
  return { endpoint, pid: child.pid, startupMs: Date.now() - started, exited: exitedPromise, stop };
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--db-path') options.dbPath = argv[++i];
    else throw new Error(`unknown argument: ${arg}`);
  }
  return options;
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'install') {
    const done = install();
    console.log(done.length ? `dynamodb-local: ${done.join('; ')}` : 'dynamodb-local: already installed');
    return;
  }
  if (command === 'start') {
    const { port = 8000, dbPath } = parseArgs(rest);
    const { endpoint, startupMs, exited, stop } = await startDynamoDbLocal({ port, dbPath });
    console.log(
      `dynamodb-local: ${endpoint} (${dbPath ? `data in ${resolve(dbPath)}` : 'in memory'}), up in ${startupMs} ms; Ctrl-C to stop`,
    );
    let stopping = false;
    const shutdown = () => {
      stopping = true;
      stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    await exited;
    if (!stopping) {
      console.error('dynamodb-local: the JVM exited');
      process.exitCode = 1;
    }
    return;
  }
  console.error('usage: node scripts/dynamodb-local.mjs install | start [--port N] [--db-path DIR]');
  process.exitCode = 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`dynamodb-local: ${error.message}`);
    process.exit(1);
  });
}
