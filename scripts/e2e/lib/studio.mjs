// Starts ModelFactory's web studio (`attribution-worker studio`, from OPENLEDGER_WORKER_BIN) on a free port
// against a worker's data directory, waits until its API answers, and keeps its log.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, keepLogs, waitFor } from './dev-node.mjs';

/**
 * Starts the studio over `dataDir` registering on the node at `wsUrl` as `owner` (a seed URI). Resolves with
 * `{ url, logs, stop }` once `GET /api/versions` answers; `stop()` sends SIGTERM and waits for the exit.
 */
export async function startStudio({ dataDir, wsUrl, owner }) {
  const bin = process.env.OPENLEDGER_WORKER_BIN;
  if (!bin) throw new Error('OPENLEDGER_WORKER_BIN is not set (scripts/test.sh sets it to the built worker)');
  const listen = `127.0.0.1:${await freePort()}`;
  const child = spawn(bin, ['studio', '--data-dir', dataDir, '--node', wsUrl, '--owner', owner, '--listen', listen, '--allow-private-url'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
  });
  const logs = keepLogs(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) child.kill('SIGKILL');
    }
    return exited;
  };
  const url = `http://${listen}`;
  try {
    await waitFor('the studio to answer', async () => {
      if (child.exitCode !== null) throw new Error(`the studio exited with ${child.exitCode}:\n${logs.join('\n')}`);
      return (await fetch(`${url}/api/versions`)).ok;
    }, { timeoutMs: 60_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logs, stop };
}
