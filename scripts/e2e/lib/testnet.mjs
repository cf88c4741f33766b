// Drives scripts/testnet.sh (the four-validator local net) from tests, in a temporary directory.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, rpc, waitFor } from './dev-node.mjs';

const run = promisify(execFile);
const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'testnet.sh');

/** Starts the testnet; returns helpers to reach, kill and restart its nodes, and to stop it. */
export async function startTestnet() {
  const dir = mkdtempSync(join(tmpdir(), 'openledger-testnet-'));
  const env = { ...process.env, OPENLEDGER_TESTNET_DIR: dir, OPENLEDGER_SKIP_BUILD: '1' };
  const testnet = (...args) => run('bash', [script, ...args], { env, maxBuffer: 1 << 24 });
  try {
    await testnet('start');
  } catch (error) {
    await testnet('stop').catch(() => {});
    throw new Error(`testnet.sh start failed: ${error.stderr || error.message}\n${error.stdout ?? ''}`);
  }
  const nodes = Object.fromEntries(
    readFileSync(join(dir, 'nodes.tsv'), 'utf8').trim().split('\n').map((line) => {
      const [name, , p2p, rpcPort, prometheus] = line.split('\t');
      return [name, { p2p, httpUrl: `http://127.0.0.1:${rpcPort}`, wsUrl: `ws://127.0.0.1:${rpcPort}`, prometheus }];
    }),
  );
  const bootnode = readFileSync(join(dir, 'bootnode'), 'utf8').trim();
  const extra = [];
  return {
    dir,
    nodes,
    bootnode,
    kill: (name) => testnet('kill', name),
    restart: async (name) => {
      try {
        return await testnet('restart', name);
      } catch (error) {
        throw new Error(`testnet.sh restart ${name} failed: ${error.stderr || error.message}`);
      }
    },
    /** The last lines of node `name`'s log. */
    logTail: (name, lines = 30) => {
      try {
        return readFileSync(join(dir, name, 'node.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch (error) {
        return `(no log: ${error.message})`;
      }
    },
    /** Starts one more node that joins the net as a would-be validator (keys made with rotateKeysWithOwner). */
    async joinNode(name) {
      const [p2p, rpcPort] = [await freePort(), await freePort()];
      const base = join(dir, name);
      mkdirSync(base, { recursive: true });
      const bin = process.env.OPENLEDGER_NODE_BIN;
      // A validator needs a persistent network key.
      execFileSync(bin, ['key', 'generate-node-key', '--file', join(base, 'node-key')], { stdio: 'ignore' });
      const log = openSync(join(base, 'node.log'), 'a');
      const child = spawn(bin, [
        '--chain', 'local', '--base-path', base, '--validator', '--name', name,
        '--node-key-file', join(base, 'node-key'),
        '--port', String(p2p), '--rpc-port', String(rpcPort), '--bootnodes', bootnode,
        '--no-mdns', '--no-telemetry', '--no-prometheus', '--allow-private-ip',
      ], { stdio: ['ignore', log, log] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      extra.push({ child, exited });
      const httpUrl = `http://127.0.0.1:${rpcPort}`;
      await waitFor(`${name}'s RPC`, () => {
        if (child.exitCode !== null) throw new Error(`${name} exited: ${readFileSync(join(base, 'node.log'), 'utf8').slice(-2000)}`);
        return rpc(httpUrl, 'system_health');
      }, { timeoutMs: 60_000 });
      return { httpUrl, wsUrl: `ws://127.0.0.1:${rpcPort}` };
    },
    async stop() {
      for (const { child, exited } of extra) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      }
      await testnet('stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { finalizedNumber as finalized } from './dev-node.mjs';

/** The number of the best block at `httpUrl`. */
export async function best(httpUrl) {
  return parseInt((await rpc(httpUrl, 'chain_getHeader')).number, 16);
}
