// The worker on chain, end to end on a real --dev node: contributors put the shipped expert datasets on chain,
// the curator approves them, a model is registered, an app asks a question, and Alice's worker
// (`attribution-worker run`) answers it; the answer and its attribution become final, the contributors' pending
// rewards are > 0 over RPC, and a claim pays exactly that. Then: the worker stopped while a request arrives picks
// it up after a restart (its progress is on disk); content that does not match its on-chain hash is refused and
// never indexed; a worker key nobody registered is refused with a clear error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringToU8a } from '@polkadot/util';
import { contentHash } from './lib/content.mjs';
import { minhashSketch } from './lib/sketch.mjs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { rpc, startDevNode } from './lib/dev-node.mjs';
import { createDataNet, findEvent, send } from './lib/tx.mjs';
import { OPEN, askAndWait, setUpDemo } from './lib/demo.mjs';
import { startWorker } from './lib/worker.mjs';

let node;
let api;
let worker;
let keys;
let demo;
const free = async (who, at) => ((at ? await api.at(at) : api).query.system.account(who.address))
  .then((account) => account.data.free.toBigInt());

before(async () => {
  node = await startDevNode();
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  keys = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']
    .map((name) => [name.toLowerCase(), keyring.addFromUri(`//${name}`, { name })]));
  worker = startWorker(node.wsUrl, '//Alice//worker');
});

after(async () => {
  await worker?.stop();
  await api?.disconnect();
  await node?.stop();
});

test('an approved DataNet, a model, a question: the worker answers, the owners are credited and claim', async () => {
  demo = await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN,
  });
  const byId = Object.fromEntries(demo.datasets.map((d) => [d.id, d]));
  const paid = await askAndWait(api, node.httpUrl, {
    app: keys.ferdie, model: demo.model, fee: OPEN,
    question: 'What aspirin dose is recommended after a myocardial infarction?',
  }).catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-40).join('\n')}`); });
  assert.ok(paid.output.length > 0, 'an answer is stored');
  assert.equal(paid.verdict, 'confirmed');
  assert.equal(paid.worker, new Keyring({ type: 'sr25519' }).addFromUri('//Alice//worker').address);
  assert.equal(paid.weights.reduce((sum, w) => sum + w.bps, 0), 10_000);
  assert.ok(paid.weights.every((w) => byId[w.dataset]), 'only the model\'s datasets are credited');
  const cardiology = demo.datasets.find((d) => d.name === 'cardiology');
  assert.ok(paid.weights.some((w) => w.dataset === cardiology.id), `cardiology is credited: ${JSON.stringify(paid.weights)}`);

  // Every credited owner has pending rewards; the cardiologist claims exactly them.
  for (const { dataset } of paid.weights) {
    const { pending } = await rpc(node.httpUrl, 'attribution_pendingRewards', [byId[dataset].owner]);
    assert.ok(BigInt(pending) > 0n, `the owner of dataset ${dataset} has pending rewards`);
  }
  const { pending } = await rpc(node.httpUrl, 'attribution_pendingRewards', [keys.charlie.address]);
  const before = await free(keys.charlie);
  const claimed = await send(api, api.tx.rewards.claim(), keys.charlie);
  const fee = findEvent(claimed.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  assert.equal(await free(keys.charlie, claimed.blockHash), before + BigInt(pending) - fee);
  assert.ok(worker.logs.some((line) => line.includes('answered request')), 'the worker logged its answer');
});

test('a request made while the worker is stopped is answered after it restarts', async () => {
  const stopped = await worker.stop('SIGTERM');
  assert.equal(stopped.code, 0, `the worker shut down cleanly:\n${worker.logs.slice(-10).join('\n')}`);
  const progress = JSON.parse(readFileSync(join(worker.dataDir, 'progress.json'), 'utf8'));
  assert.ok(progress.lastBlock ?? progress.last_block, 'progress is on disk');
  const requested = await send(api, api.tx.attribution.requestInference(
    demo.model, 'Which drugs reduce mortality after a heart attack?', OPEN), keys.ferdie);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  worker = startWorker(node.wsUrl, '//Alice//worker', { dataDir: worker.dataDir });
  const paid = await askAndWaitFor(id);
  assert.equal(paid.status, 'paid');
  const answered = worker.logs.filter((line) => line.includes(`answered request ${id}`));
  assert.equal(answered.length, 1, 'answered once');
});

/** Waits until request `id` is paid. */
async function askAndWaitFor(id) {
  const { waitFor } = await import('./lib/dev-node.mjs');
  return waitFor(`request ${id} to be paid`, async () => {
    const found = await rpc(node.httpUrl, 'attribution_inference', [id]);
    if (found.status.startsWith('refunded')) throw new Error(`refunded:\n${worker.logs.slice(-30).join('\n')}`);
    return found.status === 'paid' ? found : null;
  }, { timeoutMs: 240_000, intervalMs: 1_000 });
}

test('a dataset whose content does not match its on-chain hash is refused and never indexed', async () => {
  // The chain records the hash of one text; the file at the URI holds another.
  const registeredText = stringToU8a('Q: What is the normal resting heart rate?\nA: 60 to 100 beats per minute.\n');
  const servedText = 'Q: What is the normal resting heart rate?\nA: 20 beats per minute.\n';
  const path = join(mkdtempSync(join(tmpdir(), 'ol-uri-')), 'tampered.txt');
  writeFileSync(path, servedText);
  const datanet = await createDataNet(api, keys.alice, 'tampered');
  const registered = await send(api, api.tx.datasets.register(
    contentHash(registeredText), '0x' + '22'.repeat(32), 1, registeredText.length, 'CC-BY-4.0',
    minhashSketch(registeredText), { Uri: `file://${path}` }, '',
  ), keys.dave);
  const dataset = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  await send(api, api.tx.dataNets.propose(datanet, dataset), keys.dave);
  await send(api, api.tx.dataNets.approve(datanet, dataset), keys.alice);
  const modelRegistered = await send(api, api.tx.models.register('0x' + '03'.repeat(32), null, {
    datanet, version: 1, datasets: [dataset], hyperparametersHash: '0x' + '00'.repeat(32), influenceHash: '0x' + '00'.repeat(32),
  }, OPEN, ''), keys.bob);
  const model = findEvent(modelRegistered.events, 'models', 'ModelRegistered').data.model.toNumber();
  const { waitFor } = await import('./lib/dev-node.mjs');
  await waitFor('the worker to refuse the tampered content', async () =>
    worker.logs.some((line) => line.includes(`dataset ${dataset}:`) && line.includes('refused, not indexed')), { timeoutMs: 60_000 });
  assert.ok(!existsSync(join(worker.dataDir, 'models', String(model), `dataset-${dataset}.txt`)), 'nothing was kept');
  assert.ok(!existsSync(join(worker.dataDir, 'models', String(model), 'datanet.json')), 'no manifest, no index');
});

test('a worker key nobody registered is refused with a clear error', async () => {
  const stranger = startWorker(node.wsUrl, '//Stranger//worker');
  const { code } = await stranger.exited;
  assert.notEqual(code, 0);
  assert.ok(stranger.logs.some((line) => line.includes('is not registered')), stranger.logs.join('\n'));
});
