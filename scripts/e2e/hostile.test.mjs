// Hostile input on a real --dev node with a real worker: what anyone with a funded account can put in front of
// every validator's worker, and what must not follow. Eve curates her own DataNets and approves her own datasets:
// /dev/zero as a dataset and as an adapter, an endless body and a hanging server (refused by name, or waited on
// in the background); 200 approvals in a few blocks (only the newest version is indexed ahead); a 16 MiB inline
// dataset (fetched piece by piece, checked, indexed, and a model over it answers). After each: the worker is up,
// its peak resident memory is within the documented budget, an honest request is answered and paid in time, and
// no block went over its weight limit. The chain-side attacks (bursts of requests, zero-fee models, retiring
// credited data) are in attribution.test.mjs, datanets.test.mjs and the pallets' tests; a thousand models
// registered and retired is studio.test.mjs; the threat model is docs/SECURITY.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { stringToU8a } from '@polkadot/util';
import { randomAsHex } from '@polkadot/util-crypto';
import { contentHash } from './lib/content.mjs';
import { minhashSketch } from './lib/sketch.mjs';
import { waitFor } from './lib/dev-node.mjs';
import { startDevChain } from './lib/fixture.mjs';
import { createDataNet, findEvent, registerModel, send, sendAll } from './lib/tx.mjs';
import { assertBlocksWithinLimits, bestNumber } from './lib/blocks.mjs';
import { loraAdapter } from './lib/lora.mjs';
import { assertWorkerWithinBudget, waitForLog } from './lib/worker.mjs';
import { OPEN, askAndWait, contributeUri, registerInline, setUpDemo, uploads } from './lib/demo.mjs';

let chain;
let api;
let worker;
let keys;
let demo;

before(async () => {
  chain = await startDevChain({ worker: { extraArgs: ['--fetch-backoff', '0.25'] } });
  ({ api, accounts: keys, worker } = chain);
  demo = await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN,
  });
  await logged(`the demo model ${demo.model} to be ready`, (line) => line.includes(`model ${demo.model} ready`), 180_000);
});

after(() => chain?.stop());

const logged = (what, predicate, timeoutMs) => waitForLog(worker, what, predicate, timeoutMs);

/** An honest request made now is answered and paid within two minutes; resolves with it. */
async function assertHonestRequestAnswered() {
  const asked = Date.now();
  const paid = await askAndWait(api, chain.httpUrl, {
    app: keys.ferdie, model: demo.model, fee: OPEN, question: 'What aspirin dose is recommended after a myocardial infarction?',
  }).catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-30).join('\n')}`); });
  assert.ok(paid.output.length > 0 && paid.weights.length > 0);
  assert.ok(Date.now() - asked < 120_000, `answered and paid in ${(Date.now() - asked) / 1000} s`);
  return paid;
}

test('hostile content cannot stop or stall the worker: /dev/zero as a dataset and an adapter, an endless body, a hanging server', async () => {
  // Eve, with nothing but a funded account, curates her own DataNet and approves her own datasets; every worker
  // fetches what a new version holds. Before the fetch policy, /dev/zero declared as 1 byte took the worker's
  // memory past 20 GB within a minute, and the restarted worker replayed the block and died again.
  const endless = createServer((request, response) => {
    response.writeHead(200);
    const zeros = Buffer.alloc(1 << 16);
    const pump = () => { while (!response.destroyed && response.write(zeros)); };
    response.on('drain', pump);
    pump();
  });
  await new Promise((resolve) => endless.listen(0, '127.0.0.1', resolve));
  let hanging;
  try {
    const datanet = await createDataNet(api, keys.eve, 'hostile');
    const zero = await contributeUri(api, datanet, keys.eve, keys.eve, stringToU8a('z'), 'file:///dev/zero');
    await logged('the /dev/zero dataset to be refused',
      (line) => line.includes(`dataset ${zero.dataset}`) && line.includes('not a regular file'));
    // Another DataNet: a version is indexed whole or not at all, so the first refusal above ends its duty.
    const streaming = await createDataNet(api, keys.eve, 'hostile-stream');
    const stream = await contributeUri(api, streaming, keys.eve, keys.eve, stringToU8a('s'),
      `http://127.0.0.1:${endless.address().port}/forever`);
    await logged('the endless body to be cut off at the declared size',
      (line) => line.includes(`dataset ${stream.dataset}`) && line.includes('more than 1 bytes'));
    const model = await registerModel(api, keys.eve, {
      datanet: demo.datanet, version: demo.version, datasets: demo.datasets.map((d) => d.id), fee: OPEN,
      adapter: contentHash(loraAdapter({ seed: 77 })), metadata: { adapterUri: 'file:///dev/zero' },
    });
    await logged(`model ${model}'s /dev/zero adapter to be refused`,
      (line) => line.includes(`model ${model}`) && line.includes('not a regular file'));

    // A server that accepts and never answers: the content job waits on it (up to --fetch-timeout per attempt,
    // in the background queue), but answering does not.
    let hangs = 0;
    hanging = createServer(() => { hangs += 1; });
    await new Promise((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const slow = await createDataNet(api, keys.eve, 'hostile-hang');
    await contributeUri(api, slow, keys.eve, keys.eve, stringToU8a('h'), `http://127.0.0.1:${hanging.address().port}/hang`);
    await waitFor('the worker to be stuck on the hanging URI', async () => hangs > 0, { timeoutMs: 60_000 });

    // Still up, within its memory budget, and serving on time: an honest request made now is answered and paid.
    assertWorkerWithinBudget(worker);
    await assertHonestRequestAnswered();
    assert.ok(!worker.logs.some((line) => line.includes('/hang') && line.includes('unreachable')), 'the fetch was still hanging');
  } finally {
    for (const server of [endless, hanging].filter(Boolean)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
});

test('hundreds of approvals in a few blocks: the worker indexes the newest version ahead, skips the rest, and keeps answering', async () => {
  // Before the background queue, every approval's new version was an index duty in the block loop, one after
  // another, ahead of answers, commits and reveals.
  const count = 200;
  const start = await bestNumber(api);
  const datanet = await createDataNet(api, keys.eve, 'hostile-approvals', '{}', { maxDatasets: count });
  const texts = Array.from({ length: count },
    (_, i) => stringToU8a(`Q: What does compound ${randomAsHex(8)} treat?\nA: ${randomAsHex(48)}, dose ${i} mg.\n`));
  const registered = await sendAll(api, texts.map((text, i) => registerInline(api, text, `approval-${i}`)), keys.eve);
  const ids = registered.map(({ events }) => findEvent(events, 'datasets', 'DatasetRegistered').data.dataset.toNumber());
  await sendAll(api, [...ids.flatMap((id, i) => uploads(api, id, texts[i])), ...ids.map((id) => api.tx.dataNets.propose(datanet, id))], keys.eve);
  const approved = await sendAll(api, ids.map((id) => api.tx.dataNets.approve(datanet, id)), keys.eve);
  const versions = approved.map(({ events }) => findEvent(events, 'dataNets', 'VersionCreated').data.version.toNumber());
  assert.equal(new Set(versions).size, count, 'every approval created a version');
  const blocks = new Set(approved.map(({ blockHash }) => blockHash.toHex())).size;
  assert.ok(blocks <= 10, `the approvals landed in ${blocks} blocks`);

  await assertHonestRequestAnswered();
  const newest = Math.max(...versions);
  await logged(`DataNet ${datanet}'s newest version to be indexed`,
    (line) => line.includes(`indexed DataNet ${datanet} version ${newest}:`), 180_000);
  const indexed = worker.logs.filter((line) => line.includes(`indexed DataNet ${datanet} version`));
  assert.ok(indexed.length <= 4 * blocks, `${indexed.length} of ${count} versions indexed ahead (superseded ones skipped)`);
  assertWorkerWithinBudget(worker);
  await assertBlocksWithinLimits(api, start, await bestNumber(api));
});

test('a 16 MiB inline dataset is fetched piece by piece, checked and indexed, and a model over it answers and is paid', async () => {
  // Before, the worker read inline content as one RPC response: 16 MiB is ~32 MiB of hex, over the node's
  // 10 MiB limit, so the dataset's models could never answer. Its filler is words of 199 letters: each is one
  // [UNK] word piece, so the 16 MiB stay cheap to embed in CI (≈ 1 700 chunks, each cut to 1 KiB).
  const size = 16 * 2 ** 20;
  const row = stringToU8a('Q: What is in this dataset?\nA: Filler.\n');
  const bytes = new Uint8Array(size).fill(0x61);
  bytes.set(row);
  for (let i = row.length + 199; i < size; i += 200) bytes[i] = 0x20;
  bytes[size - 1] = 0x0a;
  const start = await bestNumber(api);
  const datanet = await createDataNet(api, keys.eve, 'hostile-large', '{}', { maxDatasetBytes: size });
  // A sketch of other text: a contributor declares the sketch, nothing checks it (issue 24), and computing the
  // real one over 16 MiB in JavaScript takes minutes.
  const registered = await send(api, registerInline(api, bytes, 'sixteen-mib', { sketch: minhashSketch(stringToU8a(randomAsHex(64))) }), keys.eve);
  const large = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  await sendAll(api, uploads(api, large, bytes), keys.eve, { inFlight: 32 });
  // Beside it, Eve's pharmacology dataset from the demo, so the answer is retrieved from text a model can read
  // (over the filler alone, `ask` took 37 s for one answer: too near a dev chain's 60 s window for CI).
  const pharmacology = demo.datasets.find((d) => d.name === 'pharmacology');
  assert.equal(pharmacology.owner, keys.eve.address);
  for (const dataset of [large, pharmacology.id]) await send(api, api.tx.dataNets.propose(datanet, dataset), keys.eve);
  let version;
  for (const dataset of [large, pharmacology.id]) {
    const approved = await send(api, api.tx.dataNets.approve(datanet, dataset), keys.eve);
    version = findEvent(approved.events, 'dataNets', 'VersionCreated').data.version.toNumber();
  }
  const model = await registerModel(api, keys.eve, { datanet, version, datasets: [large, pharmacology.id], fee: OPEN });
  await logged(`model ${model} to be ready`, (line) => line.includes(`model ${model} ready`), 300_000);
  // Fetched piece by piece, checked against its content hash and stored whole.
  assert.equal(statSync(join(worker.dataDir, 'content', contentHash(bytes).slice(2))).size, size);
  const asked = Date.now();
  const paid = await askAndWait(api, chain.httpUrl, { app: keys.ferdie, model, fee: OPEN, question: 'What is the antidote for warfarin?' })
    .catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-30).join('\n')}`); });
  assert.ok(paid.output.length > 0, 'an answer is stored');
  assert.equal(paid.weights.reduce((sum, w) => sum + w.bps, 0), 10_000);
  assert.ok(paid.weights.every((w) => [large, pharmacology.id].includes(w.dataset)), JSON.stringify(paid.weights));
  assert.ok(Date.now() - asked < 120_000, `answered and paid in ${(Date.now() - asked) / 1000} s`);
  assertWorkerWithinBudget(worker);
  await assertBlocksWithinLimits(api, start, await bestNumber(api));
});

