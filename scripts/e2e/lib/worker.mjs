// Starts the attribution worker (`OPENLEDGER_WORKER_BIN`, `attribution-worker run`) against a node, with its
// own data directory, and keeps its log.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepLogs, waitFor } from './dev-node.mjs';

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

/**
 * The worker's documented peak-memory budget with the shipped models (docs/VALIDATOR.md), checked against its peak
 * resident memory (VmHWM), so a spike that came and went counts too. Measured 2.4 GiB, set while crediting a
 * fine-tuned model's answer by influence (backpropagation through the eight retrieved contexts).
 */
export const WORKER_MEMORY_BUDGET = 3 * 2 ** 30;

/** Checks `worker` is alive and its peak resident memory is within `WORKER_MEMORY_BUDGET`. */
export function assertWorkerWithinBudget(worker) {
  assert.doesNotThrow(() => process.kill(worker.pid, 0), 'the worker process is alive');
  const peak = Number(readFileSync(`/proc/${worker.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/)[1]) * 1024;
  assert.ok(peak < WORKER_MEMORY_BUDGET, `peak resident memory ${(peak / 2 ** 20).toFixed(0)} MiB`);
}

/** Waits until a line of `worker`'s log satisfies `predicate`; on timeout, fails with the log's last lines. */
export const waitForLog = (worker, what, predicate, timeoutMs = 90_000) =>
  waitFor(what, async () => worker.logs.some(predicate), { timeoutMs })
    .catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-30).join('\n')}`); });
