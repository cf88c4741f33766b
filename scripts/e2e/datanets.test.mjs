// The contributor path through polkadot.js: a curator creates a DataNet, a contributor registers a dataset
// with inline content and proposes it, the curator approves, and the new version root read over RPC is the
// one computed from the content. The content itself comes back from the node by hash. Then the same path in one
// command (`attribution-worker submit-dataset`), its refusals before anything is paid, and its resumption.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { rpc } from './lib/dev-node.mjs';
import { startDevChain } from './lib/fixture.mjs';
import { contentHash, pieceHash, pieces, versionRoot, PIECE_SIZE } from './lib/content.mjs';
import { findEvent, send } from './lib/tx.mjs';
import { minhashSketch } from './lib/sketch.mjs';
import { countRows } from '../../app/src/content.mjs';

let chain;
let api;
let alice;
let bob;

before(async () => {
  chain = await startDevChain();
  ({ api, accounts: { alice, bob } } = chain);
});

after(() => chain?.stop());

/** Q&A text of a little more than one piece, so the upload takes two transactions. */
function datasetContent() {
  const rows = [];
  for (let i = 0; rows.join('\n').length < PIECE_SIZE + 5000; i++) {
    rows.push(JSON.stringify({ q: `What is fact ${i} of cardiology?`, a: `Fact ${i}: the heart has ${i % 4 + 1} chambers worth noting.` }));
  }
  return { bytes: stringToU8a(rows.join('\n')), rows: rows.length };
}

test('curator creates, contributor registers inline content, proposes, curator approves; roots agree', async () => {
  // 1. Alice creates a DataNet.
  const created = await send(api, api.tx.dataNets.create('cardiology-qa', '{"topic":"cardiology"}', {
    allowedLicences: ['CC-BY-4.0'],
    maxDatasetBytes: 10_000_000,
    maxDatasets: 100,
    contributionDeposit: 10n ** 16n,
  }), alice);
  const datanetId = findEvent(created.events, 'dataNets', 'DataNetCreated').data.datanet.toNumber();

  // 2. Bob registers a dataset whose bytes go on chain as indexed transaction data.
  const { bytes, rows } = datasetContent();
  const hash = contentHash(bytes);
  const parts = pieces(bytes);
  assert.equal(parts.length, 2);
  const sketch = minhashSketch(bytes);
  const registered = await send(api, api.tx.datasets.register(
    hash, '0x' + '11'.repeat(32), rows, bytes.length, 'CC-BY-4.0', sketch,
    { Inline: { pieceHashes: parts.map((p) => u8aToHex(pieceHash(p))) } }, '{"title":"cardiology facts"}',
  ), bob);
  const datasetId = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  for (const [index, piece] of parts.entries()) {
    const uploaded = await send(api, api.tx.datasets.uploadPiece(datasetId, index, u8aToHex(piece)), bob);
    assert.ok(findEvent(uploaded.events, 'datasets', 'PieceUploaded'));
  }

  // 3. Bob proposes it; Alice approves: version 1.
  await send(api, api.tx.dataNets.propose(datanetId, datasetId), bob);
  const approved = await send(api, api.tx.dataNets.approve(datanetId, datasetId), alice);
  const versionEvent = findEvent(approved.events, 'dataNets', 'VersionCreated');
  assert.equal(versionEvent.data.version.toNumber(), 1);

  // 4. The version root over RPC commits to exactly this content.
  const datanet = await rpc(chain.httpUrl, 'datanets_datanet', [datanetId, approved.blockHash.toHex()]);
  assert.equal(datanet.version, 1);
  assert.equal(datanet.datasetCount, 1);
  assert.equal(datanet.root, versionRoot([hash]));
  const version = await rpc(chain.httpUrl, 'datanets_version', [datanetId, 1, approved.blockHash.toHex()]);
  assert.equal(version.root, versionRoot([hash]));
  assert.deepEqual(await rpc(chain.httpUrl, 'datanets_members', [datanetId, 1, null, null, approved.blockHash.toHex()]), [datasetId]);

  const dataset = await rpc(chain.httpUrl, 'datanets_dataset', [datasetId, approved.blockHash.toHex()]);
  assert.equal(dataset.contentHash, hash);
  assert.equal(dataset.available, true);
  assert.equal(dataset.owner, bob.address);

  // 5. A worker gets the bytes back from the node by hash, checked against the chain.
  const content = await rpc(chain.httpUrl, 'datanets_datasetContent', [datasetId, approved.blockHash.toHex()]);
  assert.equal(content, u8aToHex(bytes));
  const second = await rpc(chain.httpUrl, 'datanets_datasetPiece', [datasetId, 1, approved.blockHash.toHex()]);
  assert.equal(second, u8aToHex(parts[1]));
  await assert.rejects(rpc(chain.httpUrl, 'datanets_datasetPiece', [datasetId, 2]), /no inline piece 2/);

  // 6. The same reads through polkadot.js' runtime-API calls.
  const viaApi = await (await api.at(approved.blockHash)).call.dataNetsApi.version(datanetId, 1);
  assert.equal(viaApi.unwrap().root.toHex(), versionRoot([hash]));

  // 7. A near copy (one row changed) by someone else is refused as a near duplicate.
  const copy = stringToU8a(new TextDecoder().decode(bytes).replace('fact 3 of', 'fact three of'));
  const copyParts = pieces(copy);
  const copyRegistered = await send(api, api.tx.datasets.register(
    contentHash(copy), '0x' + '11'.repeat(32), rows, copy.length, 'CC-BY-4.0', minhashSketch(copy),
    { Uri: 'https://example.org/copy.jsonl' }, '',
  ), alice);
  const copyId = findEvent(copyRegistered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  assert.equal(copyParts.length, 2);
  await assert.rejects(send(api, api.tx.dataNets.propose(datanetId, copyId), alice), /dataNets\.NearDuplicate/);

  // 8. A model trained on version 1 is registered against it, and apps read it over RPC; a manifest naming
  //    a dataset outside the version is refused.
  const hex = (byte) => '0x' + byte.repeat(32);
  const manifest = (datasets) => ({
    datanet: datanetId, version: 1, datasets, hyperparametersHash: hex('aa'), influenceHash: hex('bb'),
  });
  const fee = 2n * 10n ** 16n; // 0.02 OPEN: the runtime's minimum is 0.01
  await assert.rejects(send(api, api.tx.models.register(hex('01'), null, manifest([copyId]), fee, ''), bob),
    /models\.DatasetNotInVersion/);
  // A zero-fee model would make every request cost validators work for nothing: refused.
  await assert.rejects(send(api, api.tx.models.register(hex('01'), null, manifest([datasetId]), 0, ''), bob),
    /models\.FeeTooLow/);
  const registeredModel = await send(api, api.tx.models.register(
    hex('01'), hex('02'), manifest([datasetId]), fee, '{"name":"demo"}'), bob);
  const modelId = findEvent(registeredModel.events, 'models', 'ModelRegistered').data.model.toNumber();
  const model = await rpc(chain.httpUrl, 'models_model', [modelId, registeredModel.blockHash.toHex()]);
  assert.equal(model.owner, bob.address);
  assert.deepEqual([model.datanet, model.version, model.datasets], [datanetId, 1, [datasetId]]);
  assert.deepEqual([model.baseModel, model.adapter, model.influenceHash], [hex('01'), hex('02'), hex('bb')]);
  assert.deepEqual([model.fee, model.status], [fee.toString(), 'active']);
  assert.equal(await rpc(chain.httpUrl, 'models_model', [modelId + 100]), null);
});

test('the JS MinHash matches the Rust reference (primitives/src/sketch.rs known answer)', () => {
  const sketch = minhashSketch(stringToU8a('The quick  brown fox\njumps over the lazy dog'));
  assert.deepEqual(sketch.slice(0, 4), [131_506_423, 100_114_357, 146_665_177, 265_877_002]);
});

test('the app\'s row counting (app/src/content.mjs) gives the answers of attribution-engine/src/rows.rs\'s tests', () => {
  const counts = (text, type) => { const r = countRows(text, type); return [r.rows, r.refused, r.firstRefused.map((f) => f.line)]; };
  assert.deepEqual(counts('Q: one?\nA: yes.\n\nQ: two?\nA: no.\n\n\n  \nQ: three?\nA: maybe.\n', 'text'), [3, 0, []]);
  assert.deepEqual(counts('one line, no newline', 'text'), [1, 0, []]);
  assert.deepEqual(counts('\n\n', 'text'), [0, 0, []]);
  assert.deepEqual(counts('a\r\nb\r\n\r\nc\r\n', 'text'), [2, 0, []]);
  assert.deepEqual(counts('{"q": "a"}\n\n[1, 2]\n{"q": "b"}\n{broken\n"text"\n{"q": "c"}', 'jsonl'), [3, 3, [3, 5, 6]]);
  assert.deepEqual(counts('question,answer\n"What, exactly?","A quoted, comma"\nshort\nq,a\n"multi\nline",x\n', 'csv'), [3, 1, [3]]);
  assert.match(countRows('question,answer\nshort\n', 'csv').firstRefused[0].reason, /1 fields where the header has 2/);
  assert.deepEqual(counts('only,a,header\n', 'csv'), [0, 0, []]);
  const many = countRows('x\n'.repeat(25), 'jsonl');
  assert.deepEqual([many.rows, many.refused, many.firstRefused.length], [0, 25, 10]);
});

test('bad input is refused with named errors', async () => {
  const bogus = '0x' + '22'.repeat(32);
  await assert.rejects(send(api, api.tx.dataNets.approve(999, 0), alice), /dataNets\.UnknownDataNet/);
  // One piece hash is its own Merkle root, so a different content hash cannot match it.
  await assert.rejects(send(api, api.tx.datasets.register(
    '0x' + '33'.repeat(32), bogus, 1, 10, 'CC-BY-4.0', Array(64).fill(1), { Inline: { pieceHashes: [bogus] } }, '',
  ), bob), /datasets\.ContentHashMismatch/);
  await assert.rejects(send(api, api.tx.datasets.uploadPiece(12345, 0, '0x00'), bob), /datasets\.UnknownDataset/);
});

test('governance sets the validation committees\' parameters; a signed account and inconsistent ones are refused by name', async () => {
  const defaults = api.consts.validation.defaultParams.toJSON();
  assert.deepEqual(Object.keys(defaults).sort(),
    ['absenceSlash', 'commitWindow', 'committeeSize', 'memberSlash', 'quorum', 'revealWindow', 'tolerance']);
  assert.ok((await api.query.validation.parameters()).isNone, 'the defaults hold until governance acts');
  const smaller = { ...defaults, committeeSize: 1, quorum: 1, revealWindow: 5 };
  await assert.rejects(send(api, api.tx.validation.setParams(smaller), bob), /BadOrigin/);
  for (const bad of [{ ...defaults, quorum: 0 }, { ...defaults, quorum: defaults.committeeSize + 1 },
    { ...defaults, committeeSize: api.consts.validation.maxCommittee.toNumber() + 1 }, { ...defaults, commitWindow: 0 }]) {
    const { events } = await send(api, api.tx.sudo.sudo(api.tx.validation.setParams(bad)), alice);
    const result = findEvent(events, 'sudo', 'Sudid').data.sudoResult;
    assert.ok(result.isErr && api.registry.findMetaError(result.asErr.asModule).name === 'InvalidParams', JSON.stringify(bad));
  }
  assert.ok((await api.query.validation.parameters()).isNone, 'nothing was stored');
  const { events } = await send(api, api.tx.sudo.sudo(api.tx.validation.setParams(smaller)), alice);
  assert.deepEqual(findEvent(events, 'validation', 'ParamsSet').data.params.toJSON(), smaller);
  assert.deepEqual((await api.query.validation.parameters()).unwrap().toJSON(), smaller);
  await send(api, api.tx.sudo.sudo(api.tx.validation.setParams(defaults)), alice);
});

/** Runs `attribution-worker submit-dataset …args`; resolves with its exit status, stdout and stderr. */
function submitDataset(args) {
  const bin = process.env.OPENLEDGER_WORKER_BIN;
  if (!bin) throw new Error('OPENLEDGER_WORKER_BIN is not set (scripts/test.sh sets it to the built worker)');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['submit-dataset', '--node', chain.wsUrl, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk) => { out.stdout += chunk; });
    child.stderr.on('data', (chunk) => { out.stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, ...out }); });
  });
}

/** JSON Lines of `rows` cardiology facts, `tag` making the text its own. */
const factsJsonl = (rows, tag) => Array.from({ length: rows }, (_, i) =>
  JSON.stringify({ q: `What does ${tag} say about finding ${i}?`, a: `Finding ${i} of ${tag}: dose ${i * 7 % 90} mg, ${i % 5} times daily.` })).join('\n');

test('submit-dataset: one command computes, checks, registers, uploads and proposes; refuses bad rows and near copies before paying; resumes', async () => {
  const { charlie, dave } = chain.accounts;
  const created = await send(api, api.tx.dataNets.create('cli-contributions', '{}', {
    allowedLicences: ['CC-BY-4.0'], maxDatasetBytes: 1_000_000, maxDatasets: 10, contributionDeposit: 10n ** 16n,
  }), alice);
  const datanet = findEvent(created.events, 'dataNets', 'DataNetCreated').data.datanet.toNumber();
  const dir = mkdtempSync(join(tmpdir(), 'ol-submit-'));
  const keyFile = join(dir, 'charlie.key');
  writeFileSync(keyFile, '//Charlie\n');
  const file = (name, text) => { const path = join(dir, name); writeFileSync(path, text); return path; };
  const free = async (who) => (await api.query.system.account(who.address)).data.free.toBigInt();
  const nextDataset = async () => (await api.query.datasets.nextDatasetId()).toNumber();
  const submit = (path, ...extra) => submitDataset([path, '--datanet', String(datanet), '--key-file', keyFile, '--json', ...extra]);

  // Rows that do not parse, a licence the DataNet does not take: refused by name, nothing sent or paid.
  const [before, nextBefore] = [await free(charlie), await nextDataset()];
  const brokenText = `${factsJsonl(3, 'a')}\n{"q": "unfinished"\n"just a string"\n`;
  const broken = await submit(file('broken.jsonl', brokenText));
  assert.equal(broken.status, 1, broken.stderr);
  assert.match(broken.stderr, /2 of 5 rows do not parse as jsonl: line 4: not JSON .*; line 5: a JSON string where an object belongs; nothing sent/);
  const counted = countRows(brokenText, 'jsonl');
  assert.deepEqual([counted.rows, counted.refused, counted.firstRefused.map((r) => r.line)], [3, 2, [4, 5]], 'the app refuses the rows the worker refuses');
  const device = await submit('/dev/zero');
  assert.match(device.stderr, /\/dev\/zero is not a regular file; nothing sent/);
  const licence = await submit(file('ok.jsonl', factsJsonl(3, 'b')), '--licence', 'MIT');
  assert.match(licence.stderr, /does not take licence MIT \(it takes CC-BY-4.0: dataNets\.LicenceNotAllowed\); nothing sent/);
  assert.deepEqual([await free(charlie), await nextDataset()], [before, nextBefore], 'nothing was registered or paid');

  // A file of three pieces (64 KiB each): registered, uploaded (pieces in flight together) and proposed.
  const text = factsJsonl(1_300, 'the cardiology handbook');
  const bytes = stringToU8a(text);
  assert.equal(pieces(bytes).length, 3);
  const path = file('handbook.jsonl', text);
  const first = await submit(path, '--title', 'cardiology handbook');
  assert.equal(first.status, 0, first.stderr);
  const done = JSON.parse(first.stdout);
  assert.equal(done.contentHash, contentHash(bytes), 'the Rust content hash is the JS one');
  assert.deepEqual([done.rows.rows, done.rows.contentType, done.uploaded, done.resumed, done.proposal], [1_300, 'jsonl', 3, false, 'proposed']);
  assert.deepEqual(countRows(text, 'jsonl'), done.rows, 'the app counts the rows the worker counts');
  const record = (await api.query.datasets.datasets(done.dataset)).unwrap();
  assert.deepEqual(record.sketch.map((v) => v.toNumber()), minhashSketch(bytes), 'the Rust sketch is the JS one');
  assert.equal(record.rows.toNumber(), 1_300);
  assert.equal(record.chunkRoot.toHex(), done.chunkRoot);
  assert.notEqual(done.chunkRoot, '0x' + '00'.repeat(32));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(record.metadata.toU8a(true))), { title: 'cardiology handbook', format: 'jsonl' });
  assert.equal((await rpc(chain.httpUrl, 'datanets_datasetContent', [done.dataset])), u8aToHex(bytes), 'every piece is on chain');
  assert.ok((await api.query.dataNets.proposals(datanet, done.dataset)).isSome);

  // Again: nothing left to do, and nothing is paid twice.
  const again = await submit(path);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual((({ dataset, uploaded, resumed, proposal }) => ({ dataset, uploaded, resumed, proposal }))(JSON.parse(again.stdout)),
    { dataset: done.dataset, uploaded: 0, resumed: true, proposal: 'already proposed' });
  await send(api, api.tx.dataNets.approve(datanet, done.dataset), alice);

  // A near copy (one row edited) is refused before anything is paid; forced, the chain refuses it by name.
  const copy = file('copy.jsonl', text.replace('finding 3?', 'finding three?'));
  const near = await submit(copy);
  assert.equal(near.status, 1);
  assert.match(near.stderr, new RegExp(`a near duplicate of dataset ${done.dataset}, a member of DataNet ${datanet}: \\d+\\.\\d % .*\\(dataNets\\.NearDuplicate\\); nothing sent`));
  assert.equal(await nextDataset(), done.dataset + 1, 'nothing was registered');
  const forced = await submit(copy, '--force');
  assert.equal(forced.status, 1);
  assert.match(forced.stderr, /dataNets\.NearDuplicate/);

  // An upload interrupted after its first piece (here: registered and one piece sent through polkadot.js, as a
  // run killed mid-way leaves it) is resumed: only the missing pieces are sent, then it is proposed.
  const other = factsJsonl(800, 'the neurology notes');
  const otherBytes = stringToU8a(other);
  const parts = pieces(otherBytes);
  assert.equal(parts.length, 2);
  const registered = await send(api, api.tx.datasets.register(contentHash(otherBytes), '0x' + '00'.repeat(32), 800,
    otherBytes.length, 'CC-BY-4.0', minhashSketch(otherBytes), { Inline: { pieceHashes: parts.map((p) => u8aToHex(pieceHash(p))) } }, '{}'), charlie);
  const interrupted = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  await send(api, api.tx.datasets.uploadPiece(interrupted, 0, u8aToHex(parts[0])), charlie);
  const resumed = await submit(file('neurology.jsonl', other));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual((({ dataset, uploaded, resumed, proposal }) => ({ dataset, uploaded, resumed, proposal }))(JSON.parse(resumed.stdout)),
    { dataset: interrupted, uploaded: 1, resumed: true, proposal: 'proposed' });

  // A dry run checks and computes everything and sends nothing; a CSV hosted elsewhere is registered by URI
  // (nothing to upload) and proposed.
  const csvText = `trial,drug,outcome\n${Array.from({ length: 40 }, (_, i) => `T${i},drug-${i},"improved, ${i} %"`).join('\n')}\n`;
  const [csv, csvBytes] = [file('trials.csv', csvText), stringToU8a(csvText)];
  const nextBeforeDry = await nextDataset();
  const dry = await submit(csv, '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout);
  assert.deepEqual([planned.dataset, planned.proposal, planned.rows.rows, planned.rows.contentType], [null, 'dry run', 40, 'csv']);
  assert.equal(planned.contentHash, contentHash(csvBytes));
  assert.deepEqual(countRows(csvText, 'csv'), planned.rows, 'the app counts CSV records as the worker does');
  assert.deepEqual(planned.sketch, minhashSketch(csvBytes));
  assert.equal(await nextDataset(), nextBeforeDry, 'a dry run registers nothing');
  const hosted = await submit(csv, '--uri', 'https://data.example.org/trials.csv');
  assert.equal(hosted.status, 0, hosted.stderr);
  const byUri = JSON.parse(hosted.stdout);
  assert.deepEqual([byUri.dataset, byUri.uploaded, byUri.proposal], [nextBeforeDry, 0, 'proposed']);
  const view = await rpc(chain.httpUrl, 'datanets_dataset', [byUri.dataset]);
  assert.deepEqual([view.source, view.uri, view.rows], ['uri', 'https://data.example.org/trials.csv', 40]);

  // Someone else's content is not theirs to propose.
  writeFileSync(keyFile, '//Dave\n');
  const notOwner = await submit(path);
  assert.match(notOwner.stderr, new RegExp(`already registered as dataset ${done.dataset}, owned by ${charlie.address}`));
  assert.ok(dave, 'the dev accounts include Dave');
});

test('a DataNet\'s daily limit per account refuses the next proposal by name: the command line before paying, the chain after', async () => {
  const { eve, ferdie } = chain.accounts;
  const created = await send(api, api.tx.dataNets.create('one-a-day', '{}', {
    allowedLicences: ['CC-BY-4.0'], maxDatasetBytes: 1_000_000, maxDatasets: 10, contributionDeposit: 10n ** 16n,
    maxProposalsPerDay: 1, maxBytesPerDay: 0,
  }), alice);
  const datanet = findEvent(created.events, 'dataNets', 'DataNetCreated').data.datanet.toNumber();
  const view = await rpc(chain.httpUrl, 'datanets_datanet', [datanet]);
  assert.deepEqual([view.maxProposalsPerDay, view.maxBytesPerDay], [1, 0]);
  const dir = mkdtempSync(join(tmpdir(), 'ol-daily-'));
  const keyFile = join(dir, 'eve.key');
  writeFileSync(keyFile, '//Eve\n');
  const write = (name, text) => { const path = join(dir, name); writeFileSync(path, text); return path; };
  const submit = (path) => submitDataset([path, '--datanet', String(datanet), '--key-file', keyFile, '--json']);

  const first = await submit(write('first.jsonl', factsJsonl(5, 'the first of the day')));
  assert.equal(first.status, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).proposal, 'proposed');
  const counted = (await api.query.dataNets.dailyContributions(datanet, eve.address)).unwrap();
  assert.equal(counted.proposals.toNumber(), 1);

  // The second is refused before anything is registered or paid.
  const [balance, next] = [(await api.query.system.account(eve.address)).data.free.toBigInt(), (await api.query.datasets.nextDatasetId()).toNumber()];
  const second = await submit(write('second.jsonl', factsJsonl(5, 'the second of the day')));
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`you have made 1 proposals to DataNet ${datanet} today, its limit per account \\(dataNets\\.DailyProposalLimitReached\\); nothing sent: the count starts again in \\d+ blocks`));
  assert.deepEqual([(await api.query.system.account(eve.address)).data.free.toBigInt(), (await api.query.datasets.nextDatasetId()).toNumber()], [balance, next]);

  // Past the command line, the chain refuses it by name; another account has its own count.
  const bytes = stringToU8a(factsJsonl(5, 'the second of the day, by hand'));
  const registered = await send(api, api.tx.datasets.register(contentHash(bytes), '0x' + '11'.repeat(32), 5, bytes.length, 'CC-BY-4.0',
    minhashSketch(bytes), { Uri: 'https://data.example.org/second.jsonl' }, ''), eve);
  const id = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  await assert.rejects(send(api, api.tx.dataNets.propose(datanet, id), eve), /dataNets\.DailyProposalLimitReached/);
  assert.ok((await api.query.dataNets.proposals(datanet, id)).isNone);
  const other = stringToU8a(factsJsonl(5, 'Ferdie\'s'));
  const ferdies = await send(api, api.tx.datasets.register(contentHash(other), '0x' + '11'.repeat(32), 5, other.length, 'CC-BY-4.0',
    minhashSketch(other), { Uri: 'https://data.example.org/ferdie.jsonl' }, ''), ferdie);
  await send(api, api.tx.dataNets.propose(datanet, findEvent(ferdies.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber()), ferdie);
});
