// The worker on chain, end to end on a real --dev node: contributors put the shipped expert datasets on chain,
// the curator approves them, a model is registered, an app asks a question, and Alice's worker
// (`attribution-worker run`) answers it; the answer and its attribution become final, the contributors' pending
// rewards are > 0 over RPC, and a claim pays exactly that. Then: the worker stopped while a request arrives picks
// it up after a restart (its progress is on disk); content that does not match its on-chain hash is refused and
// never indexed; datasets and LoRA adapters at http URIs are fetched through transient failures, checked, and
// served from (a wrong adapter or a model on another base model is refused); an unreachable URI is retried with
// backoff, then reported; a model trained with `attribution-worker train` on the version the worker indexed and
// registered with `register-model` is served with its adapter (a tampered adapter is refused before anything is
// registered); a worker key nobody registered is refused with a clear error. Hostile content, floods and sizes
// are scripts/e2e/hostile.test.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringToU8a } from '@polkadot/util';
import { contentHash } from './lib/content.mjs';
import { freePort, rpc, waitFor } from './lib/dev-node.mjs';
import { startDevChain, workerKey, workerUri } from './lib/fixture.mjs';
import { createDataNet, findEvent, registerModel, send, sendAll, waitForEvent } from './lib/tx.mjs';
import { waitForLog } from './lib/worker.mjs';
import { loraAdapter, serveFiles } from './lib/lora.mjs';
import { minhashSketch } from './lib/sketch.mjs';
import {
  OPEN, askAndWait, contributeUri, demoDatasets, registerInline, requestInference, setUpDemo, uploads, waitPaid,
  withAttributionParams,
} from './lib/demo.mjs';

/** A question the demo's medical DataNet cannot ground: its worker declines it. */
const OFF_TOPIC = 'Who won the football World Cup in 1998?';

/** Retries start after a quarter second (the default is 1 s) so the backoff tests do not wait on the clock. */
const WORKER_ARGS = ['--fetch-backoff', '0.25'];

let chain;
let api;
let worker;
let keys;
let demo;
const free = async (who, at) => ((at ? await api.at(at) : api).query.system.account(who.address))
  .then((account) => account.data.free.toBigInt());

before(async () => {
  // Alice's worker (`//Alice//worker`) runs from the start; the chain stops it, and any restarted one, at the end.
  chain = await startDevChain({ worker: { extraArgs: WORKER_ARGS } });
  ({ api, accounts: keys, worker } = chain);
});

after(() => chain?.stop());

test('an approved DataNet, a model, a question: the worker answers, the owners are credited and claim', async () => {
  demo = await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN,
  });
  const byId = Object.fromEntries(demo.datasets.map((d) => [d.id, d]));
  const paid = await askAndWait(api, chain.httpUrl, {
    app: keys.ferdie, model: demo.model, fee: OPEN,
    question: 'What aspirin dose is recommended after a myocardial infarction?',
  }).catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-40).join('\n')}`); });
  assert.ok(paid.output.length > 0, 'an answer is stored');
  assert.equal(paid.verdict, 'confirmed');
  assert.equal(paid.worker, workerKey('alice').address);
  assert.equal(paid.weights.reduce((sum, w) => sum + w.bps, 0), 10_000);
  assert.ok(paid.weights.every((w) => byId[w.dataset]), 'only the model\'s datasets are credited');
  const cardiology = demo.datasets.find((d) => d.name === 'cardiology');
  assert.ok(paid.weights.some((w) => w.dataset === cardiology.id), `cardiology is credited: ${JSON.stringify(paid.weights)}`);

  // Every credited owner has pending rewards; the cardiologist claims exactly them.
  for (const { dataset } of paid.weights) {
    const { pending } = await rpc(chain.httpUrl, 'rewards_pending', [byId[dataset].owner]);
    assert.ok(BigInt(pending) > 0n, `the owner of dataset ${dataset} has pending rewards`);
  }
  const { pending } = await rpc(chain.httpUrl, 'rewards_pending', [keys.charlie.address]);
  const before = await free(keys.charlie);
  const claimed = await send(api, api.tx.rewards.claim(), keys.charlie);
  const fee = findEvent(claimed.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  assert.equal(await free(keys.charlie, claimed.blockHash), before + BigInt(pending) - fee);
  assert.ok(worker.logs.some((line) => line.includes('answered request')), 'the worker logged its answer');
});

test('a burst of questions in one block: answered in one batch, each reveal sent in its window while the next are attributed, all paid', async () => {
  // Each answer's reveal falls due a block after it is on chain and must be in within the reveal window (20 s on a
  // dev chain). Before, the worker sent it only after attributing the rest of the burst — ~10 s each on 2 cores —
  // so the first answers of a burst were refunded (`refundedNoQuorum`) and their server slashed. The answer
  // window is widened (root) to 5 minutes, so four answers fit it on any CI machine, however busy; the reveal
  // window stays the dev chain's 20 s, shorter than attributing the three answers after the first.
  await withAttributionParams(api, keys.alice, { responseWindow: 150 }, async () => {
    const questions = [
      'What aspirin dose is recommended after a myocardial infarction?',
      'What is the antidote for warfarin?',
      'How are acute migraine attacks treated?',
      'What is the main side effect of ACE inhibitors?',
    ];
    const asked = await sendAll(api, questions.map((q) => api.tx.attribution.requestInference(demo.model, q, OPEN)), keys.ferdie);
    const ids = asked.map(({ events }) => findEvent(events, 'attribution', 'InferenceRequested').data.request.toNumber());
    const paid = await Promise.all(ids.map((id) => waitPaid(chain.httpUrl, id, { timeoutMs: 420_000 })))
      .catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-40).join('\n')}`); });
    for (const request of paid) {
      assert.equal(request.verdict, 'confirmed');
      assert.equal(request.weights.reduce((sum, w) => sum + w.bps, 0), 10_000);
    }
    if (new Set(asked.map(({ blockHash }) => blockHash.toHex())).size === 1) {
      assert.ok(worker.logs.some((line) => line.includes(`answered ${questions.length} requests in one batch`)), worker.logs.slice(-20).join('\n'));
    }
    assert.ok(worker.logs.some((line) => line.includes('fell due while computing')),
      `a reveal was sent while the burst's later answers were attributed:\n${worker.logs.slice(-20).join('\n')}`);
  });
});

test('a request made while the worker is stopped is answered after it restarts', async () => {
  const stopped = await worker.stop('SIGTERM');
  assert.equal(stopped.code, 0, `the worker shut down cleanly:\n${worker.logs.slice(-10).join('\n')}`);
  const progress = JSON.parse(readFileSync(join(worker.dataDir, 'progress.json'), 'utf8'));
  assert.ok(progress.lastBlock ?? progress.last_block, 'progress is on disk');
  const requested = await send(api, api.tx.attribution.requestInference(
    demo.model, 'Which drugs reduce mortality after a heart attack?', OPEN), keys.ferdie);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  worker = chain.startWorker(workerUri('alice'), { dataDir: worker.dataDir, extraArgs: WORKER_ARGS });
  const paid = await askAndWaitFor(id);
  assert.equal(paid.status, 'paid');
  const answered = worker.logs.filter((line) => line.includes(`answered request ${id}`));
  assert.equal(answered.length, 1, 'answered once');
});

test('a question the DataNet cannot ground is declined, nobody is paid and the fee comes back', async () => {
  const owned = async (at) => (await (at ? await api.at(at) : api).query.system.account(keys.ferdie.address)).data;
  const before = await owned();
  const requested = await send(api, api.tx.attribution.requestInference(demo.model, OFF_TOPIC, OPEN), keys.ferdie);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  const txFee = findEvent(requested.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  const declined = await waitForEvent(api, 'attribution', 'Declined', (d) => d.request.toNumber() === id,
    { after: requested.blockHash, timeoutMs: 180_000 })
    .catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-30).join('\n')}`); });
  assert.equal(declined.data.reason.toString(), 'NothingRelevant');
  // Alice is the only validator: nobody else can be drawn, so her decline stands and the fee is refunded.
  const refunded = await waitForEvent(api, 'attribution', 'Refunded', (d) => d.request.toNumber() === id,
    { after: declined.blockHash, timeoutMs: 30_000 });
  assert.equal(refunded.data.closure.toString(), 'Declined');
  assert.equal(refunded.data.fee.toBigInt(), OPEN);
  const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
  assert.equal(found.status, 'declined');
  assert.equal(found.output, null, 'no answer is stored');
  const after = await owned(refunded.blockHash);
  assert.equal(after.free.toBigInt() + after.reserved.toBigInt(), before.free.toBigInt() + before.reserved.toBigInt() - txFee,
    'the fee came back; only the request\'s transaction fee was spent (its deposit is held until pruning)');
  assert.ok(worker.logs.some((line) => line.includes(`declined request ${id} (NothingRelevant)`)), 'the worker logged why');
});

/** Waits until request `id` is paid. */
async function askAndWaitFor(id) {
  return waitFor(`request ${id} to be paid`, async () => {
    const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
    if (found.status.startsWith('refunded')) throw new Error(`refunded:\n${worker.logs.slice(-30).join('\n')}`);
    return found.status === 'paid' ? found : null;
  }, { timeoutMs: 240_000, intervalMs: 1_000 });
}

const logged = (what, predicate, timeoutMs) => waitForLog(worker, what, predicate, timeoutMs);

test('a dataset whose content does not match its on-chain hash is refused and never indexed', async () => {
  // The chain records the hash of one text; the file at the URI holds another. The worker fetches it as soon as
  // the curator's approval creates a version.
  const registeredText = stringToU8a('Q: What is the normal resting heart rate?\nA: 60 to 100 beats per minute.\n');
  const servedText = 'Q: What is the normal resting heart rate?\nA: 20 beats per minute.\n';
  const path = join(mkdtempSync(join(tmpdir(), 'ol-uri-')), 'tampered.txt');
  writeFileSync(path, servedText);
  const datanet = await createDataNet(api, keys.alice, 'tampered');
  const { dataset, version } = await contributeUri(api, datanet, keys.dave, keys.alice, registeredText, `file://${path}`);
  await logged('the worker to refuse the tampered content',
    (line) => line.includes(`dataset ${dataset}:`) && line.includes('refused, not indexed'));
  const stored = (text) => existsSync(join(worker.dataDir, 'content', contentHash(text).slice(2)));
  assert.ok(!stored(registeredText) && !stored(stringToU8a(servedText)), 'nothing entered the content store');
  assert.ok(!existsSync(join(worker.dataDir, 'datanets', String(datanet), String(version))), 'no manifest, no index');
});

test('datasets and adapters at http URIs: retried through failures, checked, indexed, applied and answered from', async () => {
  const text = stringToU8a('Q: What is the first-line treatment of anaphylaxis?\nA: Intramuscular adrenaline, 0.5 mg into the outer thigh, repeated after 5 minutes if needed.\n');
  const adapter = loraAdapter();
  const server = await serveFiles({ '/anaphylaxis.txt': text, '/cardio.safetensors': adapter, '/wrong.safetensors': loraAdapter({ scale: 0.02 }) },
    { failFirst: { '/anaphylaxis.txt': 2 } });
  try {
    const datanet = await createDataNet(api, keys.alice, 'emergency');
    const { dataset, version } = await contributeUri(api, datanet, keys.eve, keys.alice, text, server.url('/anaphylaxis.txt'));
    await logged('the worker to index the version', (line) => line.includes(`indexed DataNet ${datanet} version ${version}`));
    assert.equal(server.hits('/anaphylaxis.txt'), 3, 'two 503s, then the content');
    assert.ok(worker.logs.some((line) => line.includes('/anaphylaxis.txt: HTTP 503') && line.includes('retrying')));

    const model = await registerModel(api, keys.bob, {
      datanet, version, datasets: [dataset], fee: OPEN, adapter: contentHash(adapter),
      metadata: { name: 'emergency-lora', adapterUri: server.url('/cardio.safetensors') },
    });
    await logged(`model ${model} to load with its adapter`, (line) => line.includes(`model ${model} ready`));
    assert.ok(worker.logs.some((line) => line.includes(`loading model ${model}`) && line.includes(`LoRA adapter ${contentHash(adapter)}`)));
    assert.ok(existsSync(join(worker.dataDir, 'content', contentHash(adapter).slice(2))), 'the adapter is in the store');
    const paid = await askAndWait(api, chain.httpUrl, {
      app: keys.ferdie, model, fee: OPEN, question: 'How is anaphylaxis treated first?',
    });
    assert.deepEqual(paid.weights.map((w) => [w.dataset, w.bps]), [[dataset, 10_000]]);
    assert.ok(paid.output.length > 0);

    // An adapter that is not the one the chain records is refused; so is a model on another base model.
    const tampered = await registerModel(api, keys.bob, {
      datanet, version, datasets: [dataset], fee: OPEN, adapter: contentHash(adapter),
      metadata: { adapterUri: server.url('/wrong.safetensors') },
    });
    // The first model's adapter is already in the store under that hash, so the store serves it: a tampered
    // URI cannot replace checked content. A fresh hash whose URI serves other bytes is refused.
    await logged(`model ${tampered} to load from the store`, (line) => line.includes(`model ${tampered} ready`));
    const refused = await registerModel(api, keys.bob, {
      datanet, version, datasets: [dataset], fee: OPEN, adapter: contentHash(loraAdapter({ scale: 0.03 })),
      metadata: { adapterUri: server.url('/wrong.safetensors') },
    });
    await logged(`model ${refused}'s adapter to be refused`,
      (line) => line.includes(`model ${refused}: adapter`) && line.includes('refused, not loaded'));
    const foreign = await registerModel(api, keys.bob, {
      datanet, version, datasets: [dataset], fee: OPEN, baseModel: '0x' + '03'.repeat(32),
    });
    await logged(`model ${foreign} on another base model to be refused`,
      (line) => line.includes(`model ${foreign} is built on base model`) && line.includes('cannot serve it'));
  } finally {
    await server.close();
  }
});

test('ModelFactory from the command line: train on the indexed version, register, served with the adapter', async () => {
  const bin = process.env.OPENLEDGER_WORKER_BIN;
  const manifest = join(worker.dataDir, 'datanets', String(demo.datanet), String(demo.version), 'datanet.json');
  assert.ok(existsSync(manifest), 'the worker keeps the version it indexed');
  const out = mkdtempSync(join(tmpdir(), 'ol-train-'));
  const trained = JSON.parse(execFileSync(bin, ['--json', 'train', '--manifest', manifest, '--out', out, '--epochs', '1'],
    { encoding: 'utf8', maxBuffer: 1 << 24 }));
  assert.deepEqual(trained.datasets, demo.datasets.map((d) => d.id).sort((a, b) => a - b));
  assert.ok(trained.losses.length >= 1 && trained.adapter.contentHash.startsWith('0x'));

  // A tampered adapter is refused before anything reaches the chain.
  const nextModel = async () => (await api.query.models.nextModelId()).toNumber();
  const before = await nextModel();
  const tampered = mkdtempSync(join(tmpdir(), 'ol-tampered-'));
  for (const file of ['training.json', 'adapter.safetensors', 'influence.safetensors']) copyFileSync(join(out, file), join(tampered, file));
  const bytes = readFileSync(join(tampered, 'adapter.safetensors'));
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(join(tampered, 'adapter.safetensors'), bytes);
  const register = (dir) => spawnSync(bin, ['register-model', '--node', chain.wsUrl, '--owner', '//Bob', '--trained', dir,
    '--fee', String(OPEN), '--adapter-uri', `file://${join(dir, 'adapter.safetensors')}`,
    '--influence-uri', `file://${join(dir, 'influence.safetensors')}`, '--name', 'medicine-lora'], { encoding: 'utf8' });
  const refused = register(tampered);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /adapter\.safetensors hashes to .* nothing registered/);
  assert.equal(await nextModel(), before, 'nothing was registered');

  const registered = register(out);
  assert.equal(registered.status, 0, registered.stderr);
  const model = Number(/registered model (\d+)/.exec(registered.stdout)[1]);
  const record = await rpc(chain.httpUrl, 'models_model', [model]);
  assert.equal(record.adapter, trained.adapter.contentHash);
  assert.equal(record.influenceHash, trained.influenceHash);
  assert.equal(record.hyperparametersHash, trained.hyperparametersHash);
  await logged(`model ${model} to load with its adapter`, (line) => line.includes(`model ${model} ready`));
  assert.ok(worker.logs.some((line) => line.includes(`loading model ${model}`) && line.includes('influence sketches')),
    'the influence sketches named by influenceUri are fetched with the adapter');
  // Two apps ask at once, one the fine-tuned model and one the demo model: one adapter and none, answered in one
  // batch when both requests land in the same block. One generation, then an influence attribution
  // (backpropagation through the retrieved contexts) and an exact one: the official CI saw the pair miss the dev
  // chain's 60 s answer window while the other lane's worker shared the two cores, so the window is widened (root)
  // for this part, as in the burst test.
  const question = 'What aspirin dose is recommended after a myocardial infarction?';
  const { asked, paid, other } = await withAttributionParams(api, keys.alice, { responseWindow: 150 }, async () => {
    const asked = await Promise.all([
      requestInference(api, { app: keys.ferdie, model, question, fee: OPEN }),
      requestInference(api, { app: keys.eve, model: demo.model, question, fee: OPEN }),
    ]);
    const [paid, other] = await Promise.all(asked.map(({ id }) => waitPaid(chain.httpUrl, id, { timeoutMs: 420_000 })))
      .catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-40).join('\n')}`); });
    return { asked, paid, other };
  });
  for (const answered of [paid, other]) {
    assert.ok(answered.output.length > 0);
    assert.equal(answered.weights.reduce((sum, w) => sum + w.bps, 0), 10_000);
    assert.ok(answered.weights.every((w) => trained.datasets.includes(w.dataset)));
  }
  if (asked[0].blockHash === asked[1].blockHash) {
    assert.ok(worker.logs.some((line) => line.includes('answered 2 requests in one batch')), worker.logs.slice(-20).join('\n'));
  }
});

test('an unreachable dataset URI is retried with backoff, then reported', async () => {
  const gone = await serveFiles({});
  const url = gone.url('/gone.txt').replace(/:\d+\//, `:${await freePort()}/`);
  await gone.close();
  const text = stringToU8a('Q: Unreachable?\nA: Yes.\n');
  const datanet = await createDataNet(api, keys.alice, 'unreachable');
  const { dataset } = await contributeUri(api, datanet, keys.dave, keys.alice, text, url);
  await logged('the URI to be reported unreachable',
    (line) => line.includes(`dataset ${dataset}`) && line.includes('unreachable after 5 attempts'), 120_000);
  const retries = worker.logs.filter((line) => line.includes(url) && line.includes('retrying'));
  assert.equal(retries.length, 4, retries.join('\n'));
});

test('a worker key nobody registered is refused with a clear error', async () => {
  const stranger = chain.startWorker('//Stranger//worker');
  const { code } = await stranger.exited;
  assert.notEqual(code, 0);
  assert.ok(stranger.logs.some((line) => line.includes('is not registered')), stranger.logs.join('\n'));
});

test('validation: a proposal gets its committee\'s score on chain; a low-scoring one cannot be approved', async (t) => {
  demo ??= await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN,
  });
  const [cardiology, neurology] = demo.datasets;
  // A DataNet on cardiology, which later validates proposals against a probe set of neurology questions.
  const datanet = await createDataNet(api, keys.alice, 'validated-medicine',
    JSON.stringify({ description: 'clinical medicine questions and answers' }));
  await send(api, api.tx.dataNets.propose(datanet, cardiology.id), byAddress(cardiology.owner));
  await send(api, api.tx.dataNets.approve(datanet, cardiology.id), keys.alice);
  const neurologyText = new TextDecoder().decode(demoDatasets()[1][1]);
  const probes = neurologyText.split('\n\n').map((pair) => pair.trim()).filter(Boolean).map((pair) => {
    const [question, answer] = pair.split('\n');
    return JSON.stringify({ question: question.replace(/^Q:\s*/, ''), answer: answer.replace(/^A:\s*/, '') });
  }).join('\n');
  const probeSet = await registerOnly(keys.alice, stringToU8a(`${probes}\n`), 'neurology probes', probes.split('\n').length);
  const policy = { contentType: 'Text', requiredFields: [], probeSet, minScore: 30, fee: OPEN / 100n };
  await send(api, api.tx.dataNets.setValidation(datanet, policy), keys.alice);

  // The neurology dataset answers the probe questions; the Python licence's history is off topic.
  const offTopic = readFileSync(new URL('../../attribution-worker/data/off-topic/python-license.txt', import.meta.url));
  const paragraphs = new TextDecoder().decode(offTopic).split(/\n\s*\n/).filter((p) => p.trim()).length;
  const licence = await registerOnly(keys.ferdie, offTopic, 'python licence', paragraphs);
  const dave = byAddress(neurology.owner);
  const before = await free(dave);
  const proposed = await send(api, api.tx.dataNets.propose(datanet, neurology.id), dave);
  await send(api, api.tx.dataNets.propose(datanet, licence), keys.ferdie);
  const requested = findEvent(proposed.events, 'validation', 'ValidationRequested');
  assert.ok(requested, 'the proposal opened a validation job');
  assert.equal(requested.data.fee.toBigInt(), OPEN / 100n);

  const scored = async (dataset) => {
    const { data } = await waitForEvent(api, 'dataNets', 'ProposalValidated',
      (d) => d.datanet.toNumber() === datanet && d.dataset.toNumber() === dataset,
      { after: proposed.blockHash, timeoutMs: 300_000 },
    ).catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-40).join('\n')}`); });
    return data.score.isSome ? data.score.unwrap().toNumber() : null;
  };
  const useful = await scored(neurology.id);
  const useless = await scored(licence);
  assert.ok(useful !== null && useless !== null, 'both proposals carry an agreed score');
  t.diagnostic(`scores: neurology (answers the probes) ${useful}, Python licence (off topic) ${useless}; minimum 30`);
  assert.ok(useful >= 30, `the neurology dataset scores ${useful}`);
  assert.ok(useless < 30 && useful - useless >= 20, `off topic ${useless} against useful ${useful}`);

  // Readable over RPC with its report; the fee went to the committee (Alice's validator alone on a dev chain).
  const view = await rpc(chain.httpUrl, 'datanets_proposal', [datanet, neurology.id]);
  assert.equal(view.validation.scored.score, useful);
  assert.ok(view.validation.scored.report.probes > 0, JSON.stringify(view));
  const agreed = await waitForEvent(api, 'validation', 'ValidationAgreed',
    (d) => d.job.eq(requested.data.job), { after: proposed.blockHash, timeoutMs: 10_000 });
  assert.deepEqual(agreed.data.paid.map((a) => a.toString()), [keys.alice.address], 'the committee was paid');
  const deposit = 10n ** 16n;
  assert.ok(before - (await free(dave)) >= OPEN / 100n + deposit, 'the proposer paid the fee beside the deposit it holds');

  await assert.rejects(send(api, api.tx.dataNets.approve(datanet, licence), keys.alice), /dataNets\.ScoreTooLow/);
  const approved = await send(api, api.tx.dataNets.approve(datanet, neurology.id), keys.alice);
  assert.ok(findEvent(approved.events, 'dataNets', 'DatasetApproved'));

  // A proposal whose URI answers nothing is reported as having no rows: score 0, and the committee that measured it
  // is paid, not slashed as absent, for someone else's bad URI.
  const gone = await serveFiles({});
  const url = gone.url('/gone.txt').replace(/:\d+\//, `:${await freePort()}/`);
  await gone.close();
  const text = stringToU8a('Q: Which nerve is affected in Bell palsy?\nA: The facial nerve.\n');
  const registered = await send(api, api.tx.datasets.register(
    contentHash(text), '0x' + '22'.repeat(32), 1, text.length, 'CC-BY-4.0', minhashSketch(text), { Uri: url }, '',
  ), keys.eve);
  const unreachable = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  const sent = await send(api, api.tx.dataNets.propose(datanet, unreachable), keys.eve);
  const job = findEvent(sent.events, 'validation', 'ValidationRequested').data.job;
  const paidFor = await waitForEvent(api, 'validation', 'ValidationAgreed', (d) => d.job.eq(job),
    { after: sent.blockHash, timeoutMs: 300_000 });
  assert.equal(paidFor.data.report.rowsParsed.toNumber(), 0);
  assert.deepEqual(paidFor.data.paid.map((a) => a.toString()), [keys.alice.address]);
  t.diagnostic(`validation reports: ${JSON.stringify(view.validation)}`);
  const noRows = await rpc(chain.httpUrl, 'datanets_proposal', [datanet, unreachable]);
  assert.equal(noRows.validation.scored.score, 0);
  assert.ok(worker.logs.some((line) => line.includes(`proposed dataset ${unreachable} cannot be read`)));
});

/** The keyring pair whose address is `address`. */
function byAddress(address) {
  return Object.values(keys).find((k) => k.address === address);
}

/** Registers `bytes` as an inline dataset of `owner` and uploads it, without proposing it; resolves with its id. */
async function registerOnly(owner, bytes, name, rows) {
  const registered = await send(api, registerInline(api, bytes, name, { rows }), owner);
  const id = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  for (const upload of uploads(api, id, bytes)) await send(api, upload, owner);
  return id;
}
