// Starts the platform for a test run: a temporary data directory seeded with a few scam contacts
// (`canhgiac import`), then `canhgiac serve` on a free local port, ready once `GET /healthz` answers 200.
//
//   const server = await startServer();   // { baseURL, dataDir, stop() }
//   ...
//   await server.stop();                  // SIGTERM, wait, remove the data directory
//
// The binary: $CANHGIAC_BIN, else ../target/debug/canhgiac (relative to e2e/). The server's output goes to
// e2e/artifacts/server.log (appended: each test file starts a server of its own).

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');
export const SERVER_LOG = path.join(ARTIFACTS_DIR, 'server.log');

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/// The contacts the store holds before the server starts (format `plain`: one value per line, its kind
/// guessed; see crates/core/src/feed.rs). The tests expect each to be flagged.
export const SEED = {
  phone: '0912 000 111',
  domain: 'vietcombank-xacminh.com',
  // Vietcombank (BIN 970436), account 1234567890: the account e2e/fixtures/vietqr.png pays.
  bankAccount: 'bank:970436:1234567890',
  bankBin: '970436',
  bankAccountNumber: '1234567890',
};

const SEED_FILE = `# canhgiac e2e seed: scam contacts, one a line
${SEED.phone}
${SEED.domain}
${SEED.bankAccount}
`;

/// The canhgiac binary to test.
export function findBinary() {
  const binary = process.env.CANHGIAC_BIN
    ? path.resolve(process.env.CANHGIAC_BIN)
    : path.resolve(E2E_DIR, '..', 'target', 'debug', 'canhgiac');
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch {
    throw new Error(
      `canhgiac binary not found or not executable at ${binary}: build it (cargo build -p canhgiac) or set CANHGIAC_BIN`,
    );
  }
  return binary;
}

/// A TCP port free on 127.0.0.1 right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/// The environment for the binary: the caller's, less the settings that would point it elsewhere
/// (another database, data directory or address).
function childEnv() {
  const env = { ...process.env };
  for (const name of ['CANHGIAC_DATABASE_URL', 'CANHGIAC_DATA_DIR', 'CANHGIAC_LISTEN', 'CANHGIAC_SERVER']) {
    delete env[name];
  }
  return env;
}

async function seed(binary, dataDir, workDir) {
  const file = path.join(workDir, 'seed.txt');
  await fsp.writeFile(file, SEED_FILE);
  const args = ['import', '--data-dir', dataDir, '--source', 'e2e-seed', '--trust', '90', '--format', 'plain', '--json', file];
  let stdout;
  try {
    ({ stdout } = await execFileAsync(binary, args, { env: childEnv(), timeout: 60_000 }));
  } catch (error) {
    throw new Error(
      `seeding failed: ${binary} ${args.join(' ')} exited with ${error.code ?? error.signal}\n` +
        `stdout:\n${error.stdout ?? ''}\nstderr:\n${error.stderr ?? ''}`,
    );
  }
  const summary = JSON.parse(stdout);
  if (summary.accepted !== 3 || summary.rejected !== 0) {
    throw new Error(`seeding: expected 3 contacts accepted and none refused, got ${stdout}`);
  }
  return summary;
}

function tail(file, lines = 60) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Starts a seeded server; see the top of this file.
export async function startServer({ seeded = true } = {}) {
  const binary = findBinary();
  const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'canhgiac-e2e-'));
  const dataDir = path.join(workDir, 'data');
  const cleanup = () => fsp.rm(workDir, { recursive: true, force: true });
  try {
    if (seeded) await seed(binary, dataDir, workDir);
  } catch (error) {
    await cleanup();
    throw error;
  }

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  await fsp.mkdir(ARTIFACTS_DIR, { recursive: true });
  const log = fs.openSync(SERVER_LOG, 'a');
  fs.writeSync(log, `\n==== ${new Date().toISOString()} ${process.argv[1] ?? ''}: canhgiac serve on ${baseURL}\n`);
  const child = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env: { RUST_LOG: 'info', ...childEnv() },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  exited.then(() => {
    running = false;
  });
  // A test process that dies without calling stop() must not leave the server behind.
  const killOnExit = () => running && child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (running) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await cleanup();
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (!running) {
      const { code, signal } = await exited;
      await stop();
      throw new Error(`canhgiac serve exited (${code ?? signal}) before it was ready; its log:\n${tail(SERVER_LOG)}`);
    }
    try {
      const response = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) {
        return { baseURL, dataDir, port, stop };
      }
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = error.cause?.code ?? error.message;
    }
    await sleep(100);
  }
  await stop();
  throw new Error(
    `canhgiac serve did not answer GET /healthz with 200 within ${READY_TIMEOUT_MS / 1000} s (${lastError}); its log:\n${tail(SERVER_LOG)}`,
  );
}
