// Transactions the e2e tests and the demo send, and the base model they register models on.
import { readFileSync } from 'node:fs';

/**
 * Submits a polkadot.js transaction and resolves with its events once it is in a block; rejects with the
 * decoded module error if it fails.
 */
export function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(dispatchFailure(api, dispatchError));
      else if (status.isInBlock) resolve({ blockHash: status.asInBlock, events });
    }).catch(reject);
  });
}

/** A failed extrinsic's error: `section.Name` for a module error. */
function dispatchFailure(api, dispatchError) {
  if (!dispatchError.isModule) return new Error(dispatchError.toString());
  const { section, name } = api.registry.findMetaError(dispatchError.asModule);
  return new Error(`${section}.${name}`);
}

/**
 * Submits `txs` signed by `signer` all in flight at once (explicit nonces, in order), `inFlight` at a time (the
 * node allows 1 024 subscriptions per connection); resolves with each one's `{ blockHash, events }` once all are
 * in blocks, or rejects with the first failure.
 */
export async function sendAll(api, txs, signer, { inFlight = 250 } = {}) {
  const results = [];
  for (let start = 0; start < txs.length; start += inFlight) {
    const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    results.push(...await Promise.all(txs.slice(start, start + inFlight).map((tx, i) => new Promise((resolve, reject) => {
      let unsubscribe = () => {};
      tx.signAndSend(signer, { nonce: first + i }, ({ status, events, dispatchError }) => {
        if (dispatchError) reject(new Error(`transaction ${start + i}: ${dispatchFailure(api, dispatchError).message}`));
        else if (status.isInBlock) {
          unsubscribe();
          resolve({ blockHash: status.asInBlock, events });
        }
      }).then((u) => { unsubscribe = u; }, reject);
    }))));
  }
  return results;
}

/**
 * Waits for the first event `section.method` whose data `matches`, in the blocks after `after` (a block hash: the
 * block of the transaction that caused it) on the best chain; resolves with `{ blockHash, data }`. For what the
 * chain does in later blocks: draws (`ServerAssigned`, `CommitteeDrawn`), decisions.
 *
 * With `finalized`, only finalized blocks are read. On a chain with several authors the best chain can reorganise,
 * and a draw read from a block that is then abandoned names someone the chain never drew: a test that acts on a
 * draw there (as the drawn server or committee) must read it finalized.
 */
export async function waitForEvent(api, section, method, matches = () => true,
  { after, timeoutMs = 60_000, finalized = false } = {}) {
  let next = (await api.rpc.chain.getHeader(after)).number.toNumber() + 1;
  const deadline = Date.now() + timeoutMs;
  const head = async () => (finalized
    ? await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())
    : await api.rpc.chain.getHeader()).number.toNumber();
  while (Date.now() < deadline) {
    const best = await head();
    for (; next <= best; next++) {
      const blockHash = await api.rpc.chain.getBlockHash(next);
      const events = await eventsAt(api, blockHash);
      const found = events.map(({ event }) => event)
        .find((e) => e.section === section && e.method === method && matches(e.data));
      if (found) return { blockHash, data: found.data };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no ${section}.${method} within ${timeoutMs} ms`);
}

/**
 * The events of block `blockHash`. polkadot.js 16.5 misdecodes them, every time, for the block that enacted a
 * runtime upgrade once it has switched to the new runtime (the registry it then builds for the earlier runtime is
 * broken; a fresh connection decodes them). When that happens and the earlier runtime's types are the ones in
 * force now (compared: the metadata's whole type registry), they are decoded with those; otherwise the error
 * stands.
 */
export async function eventsAt(api, blockHash) {
  try {
    return await (await api.at(blockHash)).query.system.events();
  } catch (error) {
    const { parentHash } = await api.rpc.chain.getHeader(blockHash);
    const then = api.registry.createType('Metadata', await api.rpc.state.getMetadata.raw(parentHash));
    if (then.asLatest.lookup.toHex() !== api.runtimeMetadata.asLatest.lookup.toHex()) throw error;
    const entry = api.query.system.events;
    const type = api.registry.createLookupType(entry.creator.meta.type.asPlain);
    return api.registry.createType(type, await api.rpc.state.getStorage.raw(entry.key(), blockHash));
  }
}

/**
 * The server drawn for request `id` (asked in block `after`): `{ server, blockHash }`, `server` an address. With
 * `finalized`, read from finalized blocks only (see `waitForEvent`): needed where several validators author.
 */
export async function drawnServer(api, id, after, { finalized = false } = {}) {
  const { blockHash, data } = await waitForEvent(api, 'attribution', 'ServerAssigned',
    (d) => d.request.toNumber() === id, { after, finalized });
  return { server: data.server.toString(), blockHash };
}

/** The first event `section.method` among `events`, or undefined. */
export const findEvent = (events, section, method) =>
  events.map(({ event }) => event).find((e) => e.section === section && e.method === method);

/**
 * `curator` creates a DataNet named `name` taking CC-BY-4.0 datasets, by default up to 10 of 1 MB each (`policy`
 * overrides); resolves with its id.
 */
export async function createDataNet(api, curator, name, metadata = '{}', policy = {}) {
  const created = await send(api, api.tx.dataNets.create(name, metadata, {
    allowedLicences: ['CC-BY-4.0'], maxDatasetBytes: 1_000_000, maxDatasets: 10, contributionDeposit: 10n ** 16n,
    ...policy,
  }), curator);
  return findEvent(created.events, 'dataNets', 'DataNetCreated').data.datanet.toNumber();
}

/**
 * The base model workers run: the SHA-256 of the shipped SmolLM2-135M-Instruct GGUF, the entry marked `baseModel`
 * in pinned-weights.json (the pin scripts/fetch-models.sh checks the weights against; docs/VALIDATOR.md).
 */
export const BASE_MODEL = (() => {
  const pin = new URL('../../../pinned-weights.json', import.meta.url);
  const base = JSON.parse(readFileSync(pin, 'utf8')).files.filter((f) => f.baseModel === true);
  if (base.length !== 1 || !/^[0-9a-f]{64}$/.test(base[0].sha256)) {
    throw new Error(`${pin.pathname}: expected one file with "baseModel": true and a sha256, found ${JSON.stringify(base)}`);
  }
  return `0x${base[0].sha256}`;
})();

/**
 * `owner` registers a model on `datanet`'s `version` using `datasets`, charging `fee`; `adapter` is the LoRA
 * adapter's content hash (or null) and `metadata` a JSON object (a worker fetches the adapter from its
 * `adapterUri`). Resolves with the model id.
 */
export async function registerModel(api, owner, { datanet, version, datasets, fee, adapter = null, metadata = {},
  baseModel = BASE_MODEL, hyperparametersHash = '0x' + '00'.repeat(32), influenceHash = '0x' + '00'.repeat(32) }) {
  const registered = await send(api, api.tx.models.register(baseModel, adapter, {
    datanet, version, datasets: [...datasets].sort((a, b) => a - b), hyperparametersHash, influenceHash,
  }, fee, JSON.stringify(metadata)), owner);
  return findEvent(registered.events, 'models', 'ModelRegistered').data.model.toNumber();
}

/**
 * Passes `call` through the council: `members[0]` proposes it with a two-thirds threshold, the first
 * two-thirds of `members` vote aye, and `members[0]` closes the motion. Resolves with the dispatch result
 * (`council.Executed`'s `result`, a `Result<(), DispatchError>`). `members` must be the whole council, in any order.
 */
export async function councilMotion(api, call, members) {
  const threshold = Math.ceil((members.length * 2) / 3);
  const length = call.method.encodedLength;
  const proposed = await send(api, api.tx.council.propose(threshold, call, length), members[0]);
  const executed = findEvent(proposed.events, 'council', 'Executed');
  if (executed) return executed.data.result; // a threshold of one executes at once
  const { proposalIndex, proposalHash } = findEvent(proposed.events, 'council', 'Proposed').data;
  for (const member of members.slice(0, threshold)) {
    await send(api, api.tx.council.vote(proposalHash, proposalIndex, true), member);
  }
  const { weight } = await call.paymentInfo(members[0]);
  const closed = await send(api, api.tx.council.close(proposalHash, proposalIndex, weight, length), members[0]);
  return findEvent(closed.events, 'council', 'Executed').data.result;
}
