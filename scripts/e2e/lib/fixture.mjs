// The one way the e2e tests and the demo get a chain to talk to: a fresh `--dev` node (startDevChain) or a running
// node (connectChain), polkadot.js connected to it, the dev accounts as key pairs, and optionally attribution
// workers; `stop()` tears down whatever it started, in reverse order.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode } from './dev-node.mjs';
import { startWorker } from './worker.mjs';

// sr25519 key pairs need the wasm crypto; once loaded, the helpers below are synchronous.
await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });

/** The well-known dev accounts (`//Alice` … `//Ferdie`), funded at genesis on `--dev` and the local testnet. */
export const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

const capitalized = (name) => name[0].toUpperCase() + name.slice(1);

/** `{ alice, bob, charlie, dave, eve, ferdie }`: sr25519 key pairs of `//Alice` …, each with `meta.name` 'Alice' …. */
export function devAccounts() {
  return Object.fromEntries(DEV_ACCOUNTS.map((name) => [name.toLowerCase(), keyring.addFromUri(`//${name}`, { name })]));
}

/** The seed URI of a validator's worker key: `workerUri('alice')` is `//Alice//worker` (what the worker signs with). */
export const workerUri = (name) => `//${capitalized(name)}//worker`;

/** The key pair of a validator's worker key (`//Alice//worker` for 'alice'). */
export const workerKey = (name) => keyring.addFromUri(workerUri(name), { name: `${capitalized(name)}//worker` });

/**
 * Connects polkadot.js to the running node at `wsUrl` (its HTTP RPC at `httpUrl`, by default the same port).
 * Returns `{ api, accounts, wsUrl, httpUrl, workers, startWorker, stop }`: `accounts` is devAccounts();
 * `startWorker(key = '//Alice//worker', options)` starts `attribution-worker run` against this node (options as
 * lib/worker.mjs's), and `stop()` stops those workers and disconnects.
 */
export async function connectChain(wsUrl, { httpUrl = wsUrl.replace(/^ws/, 'http') } = {}) {
  const api = await ApiPromise.create({ provider: new WsProvider(wsUrl), noInitWarn: true });
  const workers = [];
  return {
    api,
    accounts: devAccounts(),
    wsUrl,
    httpUrl,
    workers,
    startWorker(key = workerUri('alice'), options = {}) {
      const worker = startWorker(wsUrl, key, options);
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await api.disconnect();
    },
  };
}

/**
 * Starts a `--dev --tmp` node (lib/dev-node.mjs; `nodeArgs` are extra arguments) and connects to it. With
 * `worker` (true, or `{ key, dataDir, extraArgs }`), also starts an attribution worker signing with `key`
 * (`//Alice//worker` by default), as `chain.worker`. Returns connectChain's fields plus `node` (its `logs`,
 * `httpUrl`, `wsUrl`) and `worker`; `stop()` stops the workers, disconnects, then stops the node.
 */
export async function startDevChain({ nodeArgs = [], worker } = {}) {
  const node = await startDevNode(nodeArgs);
  let chain;
  try {
    chain = await connectChain(node.wsUrl, { httpUrl: node.httpUrl });
    const { key, ...options } = worker === true ? {} : worker ?? {};
    const started = worker ? chain.startWorker(key, options) : undefined;
    const disconnect = chain.stop;
    return Object.assign(chain, {
      node,
      worker: started,
      async stop() {
        try {
          await disconnect();
        } finally {
          await node.stop();
        }
      },
    });
  } catch (error) {
    await chain?.stop().catch(() => {});
    await node.stop();
    throw error;
  }
}
