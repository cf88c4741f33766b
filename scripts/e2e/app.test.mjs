// The DataNet app (app/) in headless Chromium against a real --dev node and worker, through the page only, signing
// with an injected wallet that behaves as the polkadot.js extension does:
//   a contributor's file is parsed and hashed in the page (the chain's rules) and uploaded with a progress bar
//   and proposed; a near copy of a member is warned about before anything is paid and, when forced, refused by
//   the chain by name; the curator approves from the queue; an app asks a model on the new version a question and
//   the answer with its credit bars appears; the contributor's earnings show the exact pending amount; the claim
//   lands and the balance moves by exactly that less the fee.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { Keyring } from '@polkadot/keyring';
import { rpc, waitFor } from './lib/dev-node.mjs';
import { startDevChain } from './lib/fixture.mjs';
import { OPEN, demoDatasets, requestInference, setUpDemo, waitPaid } from './lib/demo.mjs';
import { registerModel, send } from './lib/tx.mjs';
import { contentHash, pieces } from './lib/content.mjs';
import { injectWallet, startApp } from './lib/app.mjs';
import { waitForLog } from './lib/worker.mjs';

const CHROMIUM = process.env.OPENLEDGER_CHROMIUM ?? '/usr/bin/chromium';

let chain;
let api;
let keys;
let worker;
let app;
let browser;
let page;
let wallet;
let demo;
let contributor;
let proposed;
let resumed;
const consoleLines = [];

/** A hematology dataset nobody else holds: 401 question/answer paragraphs (two 64 KiB pieces). */
function hematology() {
  const drugs = ['zorvatinib', 'plemicept', 'hexalumab', 'doravisin', 'quintofibrate', 'tamberozole'];
  const conditions = ['hairy cell leukemia', 'polycythemia vera', 'essential thrombocythemia', 'myelofibrosis', 'aplastic anemia'];
  const paragraphs = [];
  for (let i = 0; i < 400; i++) {
    const drug = drugs[i % drugs.length];
    const condition = conditions[Math.floor(i / drugs.length) % conditions.length];
    paragraphs.push(`Q: How is ${drug} used in ${condition} (case series ${i})?\nA: In series ${i}, ${drug} was given for ${condition} at ${10 + (i % 7) * 5} mg daily and the haematologist monitored the blood count every ${2 + (i % 3)} weeks.`);
  }
  paragraphs.push('Q: What dose of velcaprine treats cold agglutinin disease?\nA: Velcaprine treats cold agglutinin disease at 45 mg twice daily.');
  return new TextEncoder().encode(paragraphs.join('\n\n') + '\n');
}

const choose = (address) => page.selectOption('#account', address);
const view = async (hash) => {
  await page.evaluate((h) => {
    document.querySelector('#view').dataset.state = 'stale';
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = h;
  }, hash);
  await page.waitForSelector('#view[data-state="ready"]');
};
/** Clicks `selector`, checks the fee dialog shows an estimate, signs. */
async function signVia(selector) {
  await page.click(selector);
  await page.waitForSelector('#confirm[open]');
  const fee = BigInt(await page.getAttribute('#confirm-fee', 'data-planck'));
  assert.ok(fee > 0n, 'a fee estimate is shown before signing');
  await page.click('#confirm-sign');
  return fee;
}
const message = async () => (await page.textContent('#message')) ?? '';
/** With OPENLEDGER_APP_SCREENSHOTS=<dir>, saves the page as <dir>/app-<name>.png (the docs' screenshots). */
const screenshot = async (name) => {
  const dir = process.env.OPENLEDGER_APP_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/app-${name}.png`, fullPage: true });
};

before(async () => {
  chain = await startDevChain();
  ({ api, accounts: keys } = chain);
  contributor = new Keyring({ type: 'sr25519' }).addFromUri('//DataNetAppContributor', { name: 'Hematologist' });
  await send(api, api.tx.balances.transferKeepAlive(contributor.address, 100n * OPEN), keys.ferdie);
  worker = chain.startWorker();
  demo = await setUpDemo(api, { curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN });
  app = await startApp(chain.wsUrl);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  wallet = await injectWallet(page, api, 'openledger-test', [contributor]);
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`page error: ${e.message}`));
  await page.goto(app.url);
  await page.waitForSelector('body[data-connected="true"]', { timeout: 60_000 })
    .catch((error) => { throw new Error(`${error.message}\nthe page's console:\n${consoleLines.join('\n')}`); });
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await chain?.stop();
});

test('the wallet\'s account comes first, beside the dev accounts, with its balance in OPEN', async () => {
  const options = await page.$$eval('#account option', (all) => all.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options[0], [contributor.address, 'Hematologist — openledger-test']);
  assert.ok(options.some(([address, label]) => address === keys.alice.address && label.startsWith('Alice (dev)')));
  await waitFor('the balance to show', async () => (await page.getAttribute('#balance', 'data-planck')) === String(100n * OPEN));
  assert.equal(await page.textContent('#balance'), '100 OPEN');
});

test('the DataNets page lists, searches and opens a DataNet with its policy, versions and datasets', async () => {
  await view('#/datanets');
  assert.equal(await page.locator('#datanets tbody tr').count(), 1);
  await page.fill('#search', 'nothing like it');
  assert.equal(await page.locator('#datanets tbody tr:visible').count(), 0);
  await page.fill('#search', 'medicine');
  assert.equal(await page.locator('#datanets tbody tr:visible').count(), 1);
  await page.click(`a[href="#/datanet/${demo.datanet}"]`);
  await page.waitForSelector('#datanet-name');
  assert.match(await page.textContent('#datanet-name'), /medicine-qa/);
  assert.deepEqual(await page.$$eval('#members tbody tr td:nth-child(2)', (cells) => cells.map((c) => c.textContent)),
    ['cardiology', 'neurology', 'pharmacology']);
  const root = (await rpc(chain.httpUrl, 'datanets_datanet', [demo.datanet])).root;
  assert.equal(await page.textContent('#versions tbody tr:first-child td.hash'), root);
  await screenshot('datanet');
});

test('a DataNet is created from the page with a dev account; names from the chain show as text, never as markup', async () => {
  await choose(keys.alice.address);
  await view('#/datanets');
  await page.fill('#create-name', '<img src=x onerror="window.pwned=1">');
  await page.fill('#create-description', '<script>window.pwned=2</script> a hostile name');
  await page.fill('#create-deposit', 'lots');
  await page.click('#create');
  assert.match(await message(), /"lots" is not an amount of OPEN/, 'a bad amount is refused on the page');
  await page.fill('#create-deposit', '0.5');
  await page.fill('#create-daily-proposals', '3');
  await page.fill('#create-daily-bytes', '200000');
  await signVia('#create');
  await page.waitForSelector('#datanet-name');
  const id = (await api.query.dataNets.nextDataNetId()).toNumber() - 1;
  const created = await rpc(chain.httpUrl, 'datanets_datanet', [id]);
  assert.equal(created.name, '<img src=x onerror="window.pwned=1">');
  assert.equal(created.owner, keys.alice.address, 'signed by the dev account');
  assert.deepEqual([created.maxProposalsPerDay, created.maxBytesPerDay, created.contributionDeposit], [3, 200_000, String(OPEN / 2n)]);
  assert.equal(await page.textContent('#daily-limits'), '3 proposals, 195.3 KiB');
  assert.equal(await page.textContent('#datanet-name small'), `DataNet ${id}`);
  assert.match(await page.textContent('#datanet-name'), /^<img src=x onerror="window.pwned=1">/);
  assert.equal(await page.locator('#view img').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await choose(contributor.address);
});

test('the app server serves its three files and nothing else', async () => {
  assert.equal((await fetch(`${app.url}app.js`)).status, 200);
  for (const path of ['../package.json', '%2e%2e/serve.mjs', 'src/main.mjs', 'node_modules/esbuild/package.json']) {
    assert.equal((await fetch(`${app.url}${path}`)).status, 404, path);
  }
  assert.equal((await fetch(app.url, { method: 'POST', body: 'x' })).status, 405);
  assert.match((await fetch(app.url)).headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'/);
});

test('a contributor\'s file is hashed in the page, uploaded with a progress bar and proposed, signed by the wallet', async () => {
  const bytes = hematology();
  assert.equal(pieces(bytes).length, 2);
  await view(`#/contribute/${demo.datanet}`);
  await page.setInputFiles('#file', { name: 'hematology.txt', mimeType: 'text/plain', buffer: Buffer.from(bytes) });
  await page.waitForSelector('#submit:not([disabled])');
  assert.equal(await page.textContent('#rows'), '401 parsed, 0 refused');
  assert.equal(await page.textContent('#pieces'), '2');
  assert.equal(await page.textContent('#content-hash'), contentHash(bytes), 'the page\'s content hash is the chain\'s');
  assert.ok(await page.isHidden('#duplicate'), 'not a near duplicate');
  await page.waitForSelector('#estimate:has-text("Estimated fees: ")');
  await screenshot('contribute');
  const before = wallet.requests;
  await signVia('#submit');
  await page.waitForSelector('#done:not([hidden])', { timeout: 90_000 });
  assert.equal(wallet.requests - before, 4, 'the wallet signed the registration, two pieces and the proposal');
  assert.equal(await page.getAttribute('#upload-progress', 'value'), '2');
  proposed = (await api.query.datasets.datasetByContent(contentHash(bytes))).unwrap().toNumber();
  const record = await rpc(chain.httpUrl, 'datanets_dataset', [proposed]);
  assert.equal(record.owner, contributor.address);
  assert.equal(record.rows, 401);
  assert.equal(record.uploadedPieces, 2);
  assert.ok(record.available);
  assert.ok((await api.query.dataNets.proposals(demo.datanet, proposed)).isSome, 'proposed');
});

test('an upload cut off in the wallet resumes after a reload, sending only what the chain lacks', async () => {
  const bytes = Buffer.from(new TextDecoder().decode(hematology()).replaceAll('case series', 'registry'));
  assert.equal(pieces(bytes).length, 2);
  await view(`#/contribute/${demo.datanet}`);
  await page.setInputFiles('#file', { name: 'registry.txt', mimeType: 'text/plain', buffer: bytes });
  await page.waitForSelector('#submit:not([disabled])');
  // The user signs the registration and one piece, then cancels the other piece's signature and closes the page.
  const start = wallet.requests;
  wallet.refuse = (n) => n === start + 3;
  await signVia('#submit');
  await waitFor('the cancelled signature to be reported', async () => /Cancelled/.test(await message()), { timeoutMs: 60_000 });
  wallet.refuse = () => false;
  const id = (await api.query.datasets.datasetByContent(contentHash(bytes))).unwrap().toNumber();
  resumed = id;
  await waitFor('the signed piece to land', async () => (await api.query.datasets.uploadedPieces.keys(id)).length === 1);
  await page.reload();
  await page.waitForSelector('body[data-connected="true"]');
  await view(`#/contribute/${demo.datanet}`);
  await page.setInputFiles('#file', { name: 'registry.txt', mimeType: 'text/plain', buffer: bytes });
  await page.waitForSelector('#resume:not([hidden])');
  assert.match(await page.textContent('#resume'), new RegExp(`Dataset ${id} is registered with 1 of 2 pieces uploaded`));
  const before = wallet.requests;
  await signVia('#submit');
  await page.waitForSelector('#done:not([hidden])', { timeout: 90_000 });
  assert.equal(wallet.requests - before, 2, 'only the missing piece and the proposal were signed');
  assert.ok((await api.query.dataNets.proposals(demo.datanet, id)).isSome, 'proposed');
  // Picking it once more: nothing left to send.
  await view(`#/contribute/${demo.datanet}`);
  await page.setInputFiles('#file', { name: 'registry.txt', mimeType: 'text/plain', buffer: bytes });
  await page.waitForSelector('#resume:not([hidden])');
  assert.match(await page.textContent('#resume'), new RegExp(`Already proposed as dataset ${id}`));
  assert.ok(await page.isDisabled('#submit'));
});

test('a near copy of a member is warned about before paying, and when forced the chain refuses it by name', async () => {
  const [, cardiology] = demoDatasets()[0];
  const copy = Buffer.concat([cardiology, Buffer.from('\nQ: Is this a copy?\nA: Nearly.\n')]);
  const free = async () => (await api.query.system.account(contributor.address)).data.free.toBigInt();
  const balance = await free();
  await view(`#/contribute/${demo.datanet}`);
  await page.setInputFiles('#file', { name: 'cardiology-copy.txt', mimeType: 'text/plain', buffer: copy });
  await page.waitForSelector('#duplicate:not([hidden])');
  assert.match(await page.textContent('#duplicate'), new RegExp(`dataset ${demo.datasets[0].id}.*dataNets\\.NearDuplicate`));
  await screenshot('near-duplicate');
  await page.click('#submit');
  assert.match(await message(), /Near duplicate: tick "Send it anyway" to send it; nothing was sent/);
  assert.equal(await free(), balance, 'nothing was paid');
  await page.check('#force');
  await signVia('#submit');
  await waitFor('the chain to refuse the proposal', async () => /dataNets\.NearDuplicate/.test(await message()), { timeoutMs: 60_000 });
  const id = (await api.query.datasets.datasetByContent(contentHash(copy))).unwrap().toNumber();
  assert.ok((await api.query.dataNets.proposals(demo.datanet, id)).isNone, 'not proposed');
});

test('the curator approves the proposal from the queue, and a new version holds it', async () => {
  await choose(keys.alice.address);
  await view(`#/curate/${demo.datanet}`);
  const row = `#queue tr[data-dataset="${proposed}"]`;
  await page.waitForSelector(row);
  assert.equal(await page.textContent(`${row} td:nth-child(2)`), 'hematology.txt');
  assert.equal(await page.textContent(`${row} td:nth-child(4)`), '401');
  assert.match(await page.textContent(`#queue tr[data-dataset="${resumed}"] td:nth-child(8)`), new RegExp(`^59\\.38 % like proposal ${proposed}$`),
    'proposals are compared with each other too (59 %: similar, under the near-duplicate threshold)');
  assert.equal(await page.textContent(`${row} td:nth-child(9)`), '—', 'the demo DataNet does not validate: no score');
  await screenshot('curate');
  await signVia(`${row} .approve`);
  await waitFor('the approval', async () => /version \d+ created/.test(await message()), { timeoutMs: 60_000 });
  const datanet = await rpc(chain.httpUrl, 'datanets_datanet', [demo.datanet]);
  assert.equal(datanet.version, demo.version + 1);
  assert.ok((await rpc(chain.httpUrl, 'datanets_members', [demo.datanet, datanet.version])).includes(proposed));
  assert.equal(await page.locator(row).count(), 0, 'the queue no longer shows it');
  // The other open proposal is rejected as a duplicate; its deposit goes back to the contributor.
  const other = `#queue tr[data-dataset="${resumed}"]`;
  await page.waitForSelector(other);
  assert.match(await page.textContent(`${other} td:nth-child(8)`), new RegExp(`^59\\.38 % like member ${proposed}$`),
    'once approved, the similar proposal is a member');
  const held = (await api.query.system.account(contributor.address)).data.reserved.toBigInt();
  await page.selectOption(`${other} .reason`, '2');
  await signVia(`${other} .reject`);
  await waitFor('the rejection', async () => /Reject dataset \d+ \(duplicate\): done/.test(await message()), { timeoutMs: 60_000 });
  assert.ok((await api.query.dataNets.proposals(demo.datanet, resumed)).isNone);
  assert.ok((await api.query.system.account(contributor.address)).data.reserved.toBigInt() < held, 'the deposit came back');
});

let paid;
test('an app asks a model on the new version; the answer and its credit bars appear', async () => {
  const version = demo.version + 1;
  const members = await rpc(chain.httpUrl, 'datanets_members', [demo.datanet, version]);
  const model = await registerModel(api, keys.bob, { datanet: demo.datanet, version, datasets: members, fee: OPEN, metadata: { name: 'hematology-rag' } });
  await waitForLog(worker, `DataNet ${demo.datanet} version ${version}`, (line) => line.includes(`indexed DataNet ${demo.datanet} version ${version}`), 180_000);
  const { id } = await requestInference(api, { app: keys.ferdie, model, question: 'What dose of velcaprine treats cold agglutinin disease?', fee: OPEN });
  paid = await waitPaid(chain.httpUrl, id);
  const credit = Object.fromEntries(paid.weights.map(({ dataset, bps }) => [dataset, bps]));
  assert.ok(credit[proposed] > 0, `the contributor's dataset is credited: ${JSON.stringify(paid.weights)}`);
  await choose(contributor.address);
  await view(`#/answers?model=${model}`);
  const card = `.answer[data-request="${id}"]`;
  await page.waitForSelector(card);
  assert.equal(await page.textContent(`${card} .question`), 'What dose of velcaprine treats cold agglutinin disease?');
  assert.equal(await page.textContent(`${card} .output`), paid.output);
  const bars = await page.$$eval(`${card} .bar`, (all) => all.map((b) => [Number(b.dataset.dataset), Number(b.dataset.bps)]));
  assert.deepEqual(bars, paid.weights.map(({ dataset, bps }) => [dataset, bps]));
  await screenshot('answers');
  // The dataset's page lists the answer that credited it.
  await view(`#/dataset/${proposed}`);
  assert.equal(await page.locator(`#dataset-answers li[data-request="${id}"]`).count(), 1);
});

test('the contributor\'s earnings show the exact pending amount, and the claim moves the balance by it less the fee', async () => {
  const { pending } = await rpc(chain.httpUrl, 'rewards_pending', [contributor.address]);
  assert.ok(BigInt(pending) > 0n);
  await view('#/earnings');
  assert.equal(await page.getAttribute('#pending', 'data-planck'), pending);
  assert.equal(await page.getAttribute(`#per-dataset tr[data-dataset="${proposed}"] td:nth-child(3)`, 'data-planck'), pending);
  assert.match(await page.textContent('#claim-preview'), /arrives/);
  assert.match(await page.textContent('.axis'), /: 1 credit,/, 'the chart shows the one credit');
  await signVia('#claim');
  await page.waitForSelector('#claim-result:not([hidden])', { timeout: 60_000 });
  const claimed = (await api.query.rewards.claimed(contributor.address)).toBigInt();
  assert.equal(claimed, BigInt(pending));
  // Find the claim's block and compare the free balance just before and after it.
  const arrived = BigInt(await page.getAttribute('#claim-result', 'data-arrived'));
  const header = await api.rpc.chain.getHeader();
  let hash = header.hash;
  let fee;
  for (let i = 0; i < 20 && fee === undefined; i++) {
    const events = await (await api.at(hash)).query.system.events();
    if (events.some(({ event }) => event.section === 'rewards' && event.method === 'Claimed' && event.data.who.toString() === contributor.address)) {
      fee = events.map(({ event }) => event).find((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid'
        && e.data.who.toString() === contributor.address).data.actualFee.toBigInt();
      const parent = (await api.rpc.chain.getHeader(hash)).parentHash;
      const free = async (at) => (await (await api.at(at)).query.system.account(contributor.address)).data.free.toBigInt();
      assert.equal(await free(hash) - await free(parent), BigInt(pending) - fee, 'exactly the pending amount less the fee arrived');
    } else hash = (await api.rpc.chain.getHeader(hash)).parentHash;
  }
  assert.notEqual(fee, undefined, 'the claim\'s block was found');
  assert.equal(arrived, BigInt(pending) - fee, 'and the page says so');
  assert.equal(await page.getAttribute('#pending', 'data-planck'), '0');
  await screenshot('earnings');
});
