// ModelFactory from the web page, in headless Chromium, on a real --dev node: the demo DataNet goes on chain, the
// worker indexes its version, `attribution-worker studio` offers that version, the page trains a LoRA adapter
// on it (live progress, the epochs' losses, the loss plot) and registers it as a model; the worker fetches the
// adapter from the studio and serves it next to 999 other fine-tuned models (each its own adapter, a 2 MiB adapter
// budget: adapters are evicted and reloaded), and its answer is paid and credits the dataset that taught it; the
// 999 are then retired, and the worker drops their engines.
// Bad input through the page (epochs 0, a fee that is not an amount) shows its error and registers nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hexToString } from '@polkadot/util';
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, rpc, waitFor } from './lib/dev-node.mjs';
import { startDevChain, workerUri } from './lib/fixture.mjs';
import { OPEN, requestInference, setUpDemo, waitPaid, withAttributionParams } from './lib/demo.mjs';
import { registerAdapterModels } from './lib/lora.mjs';
import { findEvent, sendAll } from './lib/tx.mjs';
import { startStudio } from './lib/studio.mjs';

const CHROMIUM = process.env.OPENLEDGER_CHROMIUM ?? '/usr/bin/chromium';

let chain;
let api;
let worker;
let studio;
let browser;
let page;
let keys;
let demo;
let prometheus;

const nextModel = async () => (await api.query.models.nextModelId()).toNumber();
const logged = (what, lines, predicate, timeoutMs = 120_000) =>
  waitFor(what, async () => lines.some(predicate), { timeoutMs })
    .catch((error) => { throw new Error(`${error.message}\nlog:\n${lines.slice(-30).join('\n')}`); });

before(async () => {
  chain = await startDevChain();
  ({ api, accounts: keys } = chain);
  prometheus = `127.0.0.1:${await freePort()}`;
  worker = chain.startWorker(workerUri('alice'), { extraArgs: ['--adapter-memory-mb', '2', '--prometheus', prometheus] });
  demo = await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN,
  });
  await logged(`the worker to index DataNet ${demo.datanet} version ${demo.version}`, worker.logs,
    (line) => line.includes(`indexed DataNet ${demo.datanet} version ${demo.version}`));
  studio = await startStudio({ dataDir: worker.dataDir, wsUrl: chain.wsUrl, owner: '//Bob' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  await page.goto(studio.url);
  await page.waitForSelector(`#version option[value="${demo.datanet}/${demo.version}"]`, { state: 'attached' });
  await page.selectOption('#version', `${demo.datanet}/${demo.version}`);
});

after(async () => {
  await browser?.close();
  await studio?.stop();
  await chain?.stop();
});

test('the page lists the version the worker kept, with its datasets', async () => {
  const label = await page.textContent(`#version option[value="${demo.datanet}/${demo.version}"]`);
  assert.equal(label, `DataNet ${demo.datanet}, version ${demo.version} — 3 datasets`);
  assert.equal(await page.inputValue('#epochs'), '4', 'the CLI defaults');
  assert.equal(await page.inputValue('#rank'), '8');
  assert.deepEqual(await page.$$eval('#targets input:checked', (boxes) => boxes.map((b) => b.value)), ['attn_q', 'attn_v']);
});

test('epochs 0 is refused on the page by name, and nothing starts or is registered', async () => {
  const before = await nextModel();
  await page.fill('#epochs', '0');
  await page.click('#start');
  await page.waitForSelector('#error[data-state="shown"]');
  assert.match(await page.textContent('#error'), /epochs 0 is outside 1–100/);
  assert.equal(await page.getAttribute('#status', 'data-state'), 'idle', 'no job started');
  assert.equal(await nextModel(), before, 'nothing registered');
});

test('another site cannot drive the studio: a cross-origin or form POST is refused and starts nothing', async () => {
  const body = JSON.stringify({ datanet: 0, version: 1, hyperparameters: {} });
  const crossOrigin = await fetch(`${studio.url}/api/jobs`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.test' }, body,
  });
  assert.equal(crossOrigin.status, 403);
  assert.match((await crossOrigin.json()).error, /evil\.test is refused/);
  const form = await fetch(`${studio.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  assert.equal(form.status, 415);
  const jobs = await fetch(`${studio.url}/api/jobs/1`);
  assert.equal(jobs.status, 404, 'no job was started');
});

test('train on the page, watch the losses and the plot, register: the worker serves the model and credits the DataNet', async () => {
  await page.fill('#epochs', '2');
  await page.click('#start');
  await page.waitForSelector('#error[data-state="none"]', { state: 'attached' });
  await page.waitForSelector('#status[data-state="training"]', { timeout: 60_000 });
  // The first step's report comes after the version is loaded and the first forward and backward pass: seconds on
  // an idle machine, tens of them on a loaded CI runner (it missed the 30 s default once, beside two builds).
  await page.waitForFunction(() => /step \d+\/\d+, loss \d/.test(document.querySelector('#progress').textContent),
    undefined, { timeout: 120_000 });
  await page.waitForSelector('#status[data-state="done"]', { timeout: 240_000 })
    .catch((error) => { throw new Error(`${error.message}\nstudio log:\n${studio.logs.slice(-20).join('\n')}`); });
  const rows = await page.$$eval('#losses tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.deepEqual(rows.map((cells) => cells[0]), ['0', '1', '2'], 'epoch 0 (the base model), then each epoch');
  assert.ok(rows.every((cells) => Number(cells[2]) > 0), JSON.stringify(rows));
  await page.waitForSelector('#plot[data-state="loaded"]');
  assert.equal(await page.$eval('#plot', (img) => img.naturalWidth), 800);

  // A fee that is not an amount of OPEN: shown, nothing registered.
  const job = Number(await page.getAttribute('#status', 'data-job'));
  const trained = await (await fetch(`${studio.url}/api/jobs/${job}`)).json();
  const before = await nextModel();
  await page.fill('#fee', 'one OPEN');
  await page.click('#register');
  await page.waitForSelector('#error[data-state="shown"]');
  assert.match(await page.textContent('#error'), /not an amount of OPEN/);
  assert.equal(await nextModel(), before, 'nothing registered');

  await page.fill('#fee', '1');
  await page.fill('#name', 'medicine-studio');
  await page.click('#register');
  await page.waitForSelector('#model-id[data-state="registered"]', { timeout: 60_000 });
  const model = Number(await page.getAttribute('#model-id', 'data-model'));
  assert.equal(await page.textContent('#model-id'), `model ${model}`);
  assert.equal(await nextModel(), before + 1);

  const record = await rpc(chain.httpUrl, 'models_model', [model]);
  assert.equal(record.adapter, trained.adapterHash);
  assert.equal(record.owner, keys.bob.address);
  assert.equal(record.fee, String(OPEN));
  assert.deepEqual([record.datanet, record.version], [demo.datanet, demo.version]);
  assert.deepEqual(JSON.parse(hexToString(record.metadata)), {
    name: 'medicine-studio',
    adapterUri: `${studio.url}/files/${job}/adapter.safetensors`,
    influenceUri: `${studio.url}/files/${job}/influence.safetensors`,
  });

  await logged(`model ${model} to load with its adapter from the studio`, worker.logs,
    (line) => line.includes(`model ${model} ready`));

  // Served next to 999 other fine-tuned models, each with its own adapter, under a 2 MiB adapter budget: the
  // worker keeps one base model and evicts adapters it no longer has room for (the studio's is 1.84 MB).
  const others = await registerAdapterModels(api, keys.dave, {
    datanet: demo.datanet, version: demo.version, datasets: demo.datasets.map((d) => d.id), fee: OPEN,
    count: 999, dir: mkdtempSync(join(tmpdir(), 'ol-adapters-')),
  });
  assert.equal(new Set(others).size, 999);
  const last = Math.max(...others);
  await logged(`the worker to load all 999 other models (up to model ${last})`, worker.logs,
    (line) => line.includes(`model ${last} ready`), 600_000);

  // Two apps ask at once: the web-trained model and one of the others. One worker answers both (one batched
  // generation, then two exact attributions): ≈ 50 s of its 60 s dev answer window beside a four-validator net on
  // 2 cores, so the window is widened (root) for this part.
  const question = 'What aspirin dose is recommended after a myocardial infarction?';
  const { asked, paid, other } = await withAttributionParams(api, keys.alice, { responseWindow: 150 }, async () => {
    const asked = await Promise.all([
      requestInference(api, { app: keys.ferdie, model, question, fee: OPEN }),
      requestInference(api, { app: keys.eve, model: others[500], question, fee: OPEN }),
    ]);
    const [paid, other] = await Promise.all(asked.map(({ id }) => waitPaid(chain.httpUrl, id, { timeoutMs: 420_000 })))
      .catch((error) => { throw new Error(`${error.message}\nworker log:\n${worker.logs.slice(-30).join('\n')}`); });
    return { asked, paid, other };
  });
  const ids = demo.datasets.map((d) => d.id);
  for (const answered of [paid, other]) {
    assert.ok(answered.output.length > 0, 'an answer is stored');
    assert.equal(answered.weights.reduce((sum, w) => sum + w.bps, 0), 10_000);
    assert.ok(answered.weights.every((w) => ids.includes(w.dataset)), `only the DataNet's datasets: ${JSON.stringify(answered.weights)}`);
  }
  // The answer credits the dataset that taught it most.
  const cardiology = demo.datasets.find((d) => d.name === 'cardiology');
  const top = [...paid.weights].sort((a, b) => b.bps - a.bps || a.dataset - b.dataset)[0];
  assert.equal(top.dataset, cardiology.id, `cardiology is credited most: ${JSON.stringify(paid.weights)}`);
  if (asked[0].blockHash === asked[1].blockHash) {
    assert.ok(worker.logs.some((line) => line.includes('answered 2 requests in one batch')), worker.logs.slice(-20).join('\n'));
  }
  const metrics = await (await fetch(`http://${prometheus}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1]);
  assert.ok(value('openledger_worker_adapter_loads_total') >= 1000, metrics);
  assert.ok(value('openledger_worker_adapter_evictions_total') > 0, 'the budget forced evictions');
  assert.ok(value('openledger_worker_adapter_cache_bytes') <= 2 * 1024 * 1024);

  // The thousand models retired (their deposits come back): the worker drops their engines as the retirements
  // are final, and keeps only the models still serving.
  const held = async () => (await api.query.system.account(keys.dave.address)).data.reserved.toBigInt();
  const heldBefore = await held();
  const retired = await sendAll(api, others.map((id) => api.tx.models.retire(id)), keys.dave);
  assert.equal(retired.filter(({ events }) => findEvent(events, 'models', 'ModelRetired')).length, 999);
  assert.ok(await held() < heldBefore, 'the deposits came back');
  await waitFor('the retired models\' engines to be dropped', async () => {
    const now = await (await fetch(`http://${prometheus}/metrics`)).text();
    return Number(/^openledger_worker_engines (\d+)/m.exec(now)?.[1]) <= 2;
  }, { timeoutMs: 60_000 });
  assert.doesNotThrow(() => process.kill(worker.pid, 0), 'the worker process is alive');
});
