// Starts the attribution worker (`OPENLEDGER_WORKER_BIN`, `attribution-worker run`) against a node, with its
// own data directory, and keeps its log.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepLogs } from './dev-node.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What development and tests allow that production refuses: `file://` URIs and servers on 127.0.0.1. */
export const DEVELOPMENT_FETCH = ['--allow-file-uris', '--allow-private-uris'];

/**
 * Starts a worker signing with `key` for the node at `wsUrl`, in development mode (`DEVELOPMENT_FETCH`) unless
 * `development` is false. Returns `{ logs, dataDir, exited, stop, pid }`; `stop(signal)` sends `signal` (SIGTERM by
 * default) and waits for the exit.
 */
export function startWorker(wsUrl, key, { dataDir = mkdtempSync(join(tmpdir(), 'ol-worker-')), extraArgs = [], development = true } = {}) {
  const bin = process.env.OPENLEDGER_WORKER_BIN;
  if (!bin) throw new Error('OPENLEDGER_WORKER_BIN is not set (scripts/test.sh sets it to the built worker)');
  const args = ['run', '--node', wsUrl, '--key', key, '--data-dir', dataDir, ...(development ? DEVELOPMENT_FETCH : []), ...extraArgs];
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
  });
  const logs = keepLogs(child, 5000);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const done = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!done) child.kill('SIGKILL');
    }
    return exited;
  };
  return { logs, dataDir, exited, stop, pid: child.pid };
}
