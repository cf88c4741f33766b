// The demo scenario that scripts/dev.sh runs and scripts/e2e/worker.test.mjs checks: contributors put the
// shipped expert datasets (demo/datasets/*.txt) on chain as inline content and propose them, the curator approves
// them, a model is registered on the resulting version, an app asks a question, the validator's worker answers,
// and the answer's attribution — once final — has credited the contributors.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { u8aToHex } from '@polkadot/util';
import { contentHash, pieceHash, pieces } from './content.mjs';
import { minhashSketch } from './sketch.mjs';
import { createDataNet, findEvent, registerModel, send } from './tx.mjs';
import { rpc, waitFor } from './dev-node.mjs';

export const OPEN = 10n ** 18n;
const DATASETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'demo', 'datasets');

/** The shipped datasets: [name, bytes]. */
export function demoDatasets() {
  return ['cardiology', 'neurology', 'pharmacology'].map((name) => [name, readFileSync(join(DATASETS, `${name}.txt`))]);
}

/**
 * The `datasets.register` call for `bytes` as inline content, with its MinHash sketch unless `sketch` is given and
 * its Q/A pairs as rows unless `rows` is given.
 */
export function registerInline(api, bytes, name, {
  sketch = minhashSketch(bytes), rows = new TextDecoder().decode(bytes).split('\n').filter((l) => l.startsWith('Q:')).length,
} = {}) {
  return api.tx.datasets.register(
    contentHash(bytes), u8aToHex(pieceHash(bytes)), rows, bytes.length, 'CC-BY-4.0', sketch,
    { Inline: { pieceHashes: pieces(bytes).map((p) => u8aToHex(pieceHash(p))) } }, JSON.stringify({ title: name }),
  );
}

/** The calls uploading `bytes`, the content of inline dataset `dataset`, piece by piece. */
export const uploads = (api, dataset, bytes) =>
  pieces(bytes).map((piece, index) => api.tx.datasets.uploadPiece(dataset, index, u8aToHex(piece)));

/** Registers `bytes` as an inline dataset of `owner`, uploads it, and proposes it to `datanet`. */
export async function contributeInline(api, datanet, owner, name, bytes) {
  const registered = await send(api, registerInline(api, bytes, name), owner);
  const id = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  for (const upload of uploads(api, id, bytes)) await send(api, upload, owner);
  await send(api, api.tx.dataNets.propose(datanet, id), owner);
  return id;
}

/** Registers `bytes` as a dataset of `owner` at `uri`, proposes it to `datanet` and has `curator` approve it. */
export async function contributeUri(api, datanet, owner, curator, bytes, uri) {
  const registered = await send(api, api.tx.datasets.register(
    contentHash(bytes), '0x' + '22'.repeat(32), 1, bytes.length, 'CC-BY-4.0', minhashSketch(bytes), { Uri: uri }, '',
  ), owner);
  const dataset = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  await send(api, api.tx.dataNets.propose(datanet, dataset), owner);
  const approved = await send(api, api.tx.dataNets.approve(datanet, dataset), curator);
  return { dataset, version: findEvent(approved.events, 'dataNets', 'VersionCreated').data.version.toNumber() };
}

/**
 * Puts the demo DataNet on chain: `curator` creates it and approves each dataset contributed by
 * `contributors[i]`; `owner` registers a model on the final version charging `fee`. Returns ids and owners.
 */
export async function setUpDemo(api, { curator, contributors, owner, fee, log = () => {} }) {
  const datanet = await createDataNet(api, curator, 'medicine-qa', JSON.stringify({ topic: 'clinical medicine' }));
  log(`DataNet ${datanet} "medicine-qa" created by the curator`);
  const datasets = [];
  let version = 0;
  for (const [i, [name, bytes]] of demoDatasets().entries()) {
    const contributor = contributors[i];
    const id = await contributeInline(api, datanet, contributor, name, bytes);
    const approved = await send(api, api.tx.dataNets.approve(datanet, id), curator);
    version = findEvent(approved.events, 'dataNets', 'VersionCreated').data.version.toNumber();
    datasets.push({ id, name, owner: contributor.address });
    log(`dataset ${id} (${name}, ${bytes.length} bytes) contributed by ${contributor.meta?.name ?? contributor.address}, approved → version ${version}`);
  }
  const model = await registerModel(api, owner, {
    datanet, version, datasets: datasets.map((d) => d.id), fee,
    metadata: { name: 'medicine-rag', base: 'SmolLM2-135M-Instruct' },
  });
  log(`model ${model} registered on version ${version}, ${Number(fee) / 1e18} OPEN per answer`);
  return { datanet, version, datasets, model };
}

/** `app` asks `model` a question; resolves with the request once it is paid (or fails after `timeoutMs`). */
export async function askAndWait(api, httpUrl, { app, model, question, fee, timeoutMs = 300_000, log = () => {} }) {
  const { id } = await requestInference(api, { app, model, question, fee });
  log(`request ${id}: "${question}"`);
  return waitPaid(httpUrl, id, { timeoutMs, log });
}

/** `app` asks `model` a question for `fee`; resolves with the request id and the block that included it. */
export async function requestInference(api, { app, model, question, fee }) {
  const requested = await send(api, api.tx.attribution.requestInference(model, question, fee), app);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  return { id, blockHash: requested.blockHash.toHex() };
}

/** Waits until request `id` is paid (fails if it is refunded); resolves with `attribution_inference`'s record. */
export function waitPaid(httpUrl, id, { timeoutMs = 300_000, log = () => {} } = {}) {
  let last = '';
  return waitFor(`request ${id} to be answered and paid`, async () => {
    const found = await rpc(httpUrl, 'attribution_inference', [id]);
    if (found.status !== last) log(`request ${id}: ${found.status}`);
    last = found.status;
    if (found.status.startsWith('refunded') || found.status === 'declined') {
      throw Object.assign(new Error(`request ${id} was refunded (${found.status})`), { final: true });
    }
    return found.status === 'paid' ? found : null;
  }, { timeoutMs, intervalMs: 1_000 });
}

/**
 * Runs `work` with the attribution pallet's parameters changed by root (`changes`, e.g. `{ responseWindow: 150 }`),
 * and puts them back afterwards, whatever `work` did. The dev chain's windows (60 s to answer, 20 s to reveal)
 * are sized for one request at a time; a test that asks one worker for several answers at once, on a CI machine
 * as busy as a whole suite makes it, widens the answer window instead of racing it.
 */
export async function withAttributionParams(api, root, changes, work) {
  const params = (await api.query.attribution.parameters()).unwrap().toJSON();
  await send(api, api.tx.sudo.sudo(api.tx.attribution.setParams({ ...params, ...changes })), root);
  try {
    return await work();
  } finally {
    await send(api, api.tx.sudo.sudo(api.tx.attribution.setParams(params)), root);
  }
}
