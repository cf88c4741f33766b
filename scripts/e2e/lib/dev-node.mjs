// Starts a real `openledger-node --dev --tmp` on free loopback ports for a test, and stops it afterwards.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Calls one JSON-RPC method over HTTP and returns its result (throws on an RPC error). */
export async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      // An outcome that cannot change (a refunded request) ends the wait at once.
      if (error.final) throw error;
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

/**
 * Starts the node binary (`OPENLEDGER_NODE_BIN`) with `--dev --tmp` on free ports and waits until its RPC
 * answers. Returns `{ httpUrl, wsUrl, logs, stop }`; `stop()` kills the node and waits for it to exit.
 */
export async function startDevNode(extraArgs = []) {
  const bin = process.env.OPENLEDGER_NODE_BIN;
  if (!bin) throw new Error('OPENLEDGER_NODE_BIN is not set (scripts/test.sh sets it to the built node)');
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const args = [
    '--dev', '--tmp',
    '--rpc-port', String(rpcPort), '--port', String(p2pPort),
    '--no-prometheus', '--no-telemetry', '--no-mdns',
    ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = keepLogs(child);
  const exited = new Promise((resolve) => child.on('exit', resolve));

  const httpUrl = `http://127.0.0.1:${rpcPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };
  try {
    await waitFor('the node RPC to answer', async () => {
      if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
      return rpc(httpUrl, 'system_health');
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { httpUrl, wsUrl: `ws://127.0.0.1:${rpcPort}`, logs, stop };
}

/** The number of the latest finalized block. */
export async function finalizedNumber(httpUrl) {
  const hash = await rpc(httpUrl, 'chain_getFinalizedHead');
  const header = await rpc(httpUrl, 'chain_getHeader', [hash]);
  return parseInt(header.number, 16);
}

/**
 * Keeps the last `limit` lines a child process prints (stdout and stderr); returns the live array. With
 * OPENLEDGER_E2E_LOGS set to a directory, every line is also appended to `<dir>/<command>-<pid>.log` (to debug a
 * failure from the whole log, not its last lines).
 */
export function keepLogs(child, limit = 2000) {
  const logs = [];
  const dir = process.env.OPENLEDGER_E2E_LOGS;
  const file = dir ? join(dir, `${basename(child.spawnfile)}-${child.pid}.log`) : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const keep = (chunk) => {
    if (file) appendFileSync(file, chunk);
    logs.push(...chunk.toString().split('\n').filter(Boolean));
    if (logs.length > limit) logs.splice(0, logs.length - limit);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return logs;
}
