// Faults on the four-validator net (scripts/testnet.sh) with a worker per validator: a worker that lies (the
// test-only --perturb-weights flag) is outvoted and slashed; a worker killed while its request waits is replaced
// by another validator's, which answers; a node restarted under its running worker loses nothing.
// Windows are set by root first: four nodes and four workers share this machine's two cores, where a server
// answers within about 20 s (a 60 s response window) and three reviewers recompute it within about 30 s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, waitFor } from './lib/dev-node.mjs';
import { connectChain, workerUri } from './lib/fixture.mjs';
import { councilMotion, drawnServer, findEvent, send, waitForEvent } from './lib/tx.mjs';
import { OPEN, setUpDemo } from './lib/demo.mjs';
import { startTestnet } from './lib/testnet.mjs';
import { startWorker } from './lib/worker.mjs';

const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const LIAR = 'dave';
let net;
let chain;
let api;
let keys;
let demo;
const workers = {};

const startFor = (name, dataDir) => startWorker(net.nodes[name].wsUrl, workerUri(name), {
  dataDir, extraArgs: name === LIAR ? ['--perturb-weights'] : [],
});
const nameOf = (address) => NAMES.find((n) => keys[n].address === address);
const logsOf = (name) => workers[name].logs.slice(-30).join('\n');

before(async () => {
  net = await startTestnet();
  chain = await connectChain(net.nodes.alice.wsUrl);
  ({ api, accounts: keys } = chain);
  const params = (await api.query.attribution.parameters()).unwrap().toJSON();
  // The testnet has no sudo key: its council (the four validators) changes the parameters by a two-thirds motion.
  const set = await councilMotion(api, api.tx.attribution.setParams({
    ...params, responseWindow: 30, commitWindow: 45, revealWindow: 30, challengeWindow: 5,
  }), NAMES.map((n) => keys[n]));
  assert.ok(set.isOk, `the council's motion failed: ${set}`);
  for (const name of NAMES) workers[name] = startFor(name);
  demo = await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN,
  });
  await waitFor('every worker to load the model', async () =>
    NAMES.every((n) => workers[n].logs.some((l) => l.includes(`model ${demo.model} ready`))), { timeoutMs: 300_000, intervalMs: 2_000 });
});

after(async () => {
  await Promise.all(Object.values(workers).map((w) => w.stop()));
  await chain?.stop();
  await net?.stop();
});

/** Ferdie asks; returns the request id and its server's name. */
async function ask(question) {
  const requested = await send(api, api.tx.attribution.requestInference(demo.model, question, OPEN), keys.ferdie);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  const { server } = await drawnServer(api, id, requested.blockHash);
  return { id, server: nameOf(server), blockHash: requested.blockHash };
}

async function paid(id) {
  return waitFor(`request ${id} to be paid`, async () => {
    const found = await rpc(net.nodes.alice.httpUrl, 'attribution_inference', [id]);
    if (found.status.startsWith('refunded')) {
      throw new Error(`request ${id} ${found.status}\n${NAMES.map((n) => `--- ${n}\n${logsOf(n)}`).join('\n')}`);
    }
    return found.status === 'paid' ? found : null;
  }, { timeoutMs: 420_000, intervalMs: 2_000 });
}

test('a lying worker is outvoted and its validator slashed', async () => {
  const bondBefore = (await api.query.validatorStaking.ledgers(keys[LIAR].address)).unwrap().active.toBigInt();
  const { id, server, blockHash } = await ask('What aspirin dose is recommended after a myocardial infarction?');
  const done = await paid(id);
  assert.equal(done.votes.filter((v) => v.revealed).length >= 2, true, JSON.stringify(done.votes));
  // Whether the liar served (its answer corrected) or reviewed (an outlier), it lost part of its bond.
  const bondAfter = (await api.query.validatorStaking.ledgers(keys[LIAR].address)).unwrap().active.toBigInt();
  assert.ok(bondAfter < bondBefore, `the liar (${server === LIAR ? 'server' : 'reviewer'}) was slashed`);
  assert.equal(done.verdict, server === LIAR ? 'corrected' : 'confirmed');
  // Slashed while serving: disabled at once (drawn for nothing more, no more blocks from it this session).
  await waitForEvent(api, 'validatorStaking', 'Disabled', (d) => d.stash.toString() === keys[LIAR].address,
    { after: blockHash, timeoutMs: 5_000 });
});

test('a worker killed while its request waits is replaced by another validator\'s', async () => {
  // Whoever serves is killed, the liar included: the replacement is another validator, and a lying reviewer is
  // outvoted by the two honest ones.
  const request = await ask('Which drugs reduce mortality after a heart attack?');
  const victim = request.server;
  await workers[victim].stop('SIGKILL');
  // The silent server is replaced when its window ends; then the victim's worker comes back (it also sits on
  // committees) and resumes from its progress file without answering the request it lost.
  await waitFor('a replacement server', async () =>
    (await rpc(net.nodes.alice.httpUrl, 'attribution_inference', [request.id])).assignments === 2, { timeoutMs: 300_000, intervalMs: 2_000 });
  workers[victim] = startFor(victim, workers[victim].dataDir);
  const done = await paid(request.id);
  assert.equal(done.assignments, 2, 'a second server was drawn');
  assert.notEqual(nameOf(done.server), victim);
  assert.ok(!workers[victim].logs.some((l) => l.includes(`answered request ${request.id}`)), 'the victim did not answer late');
});

test('a node restarted under its running worker loses nothing', async () => {
  const name = 'bob';
  await net.kill(name);
  await net.restart(name);
  await waitFor(`${name}'s worker to follow the restarted node`, async () => {
    const up = await rpc(net.nodes[name].httpUrl, 'chain_getFinalizedHead').catch(() => null);
    return up && workers[name].logs.some((l) => l.includes('lost the node'));
  }, { timeoutMs: 120_000, intervalMs: 2_000 });
  const { id } = await ask('How are acute migraine attacks treated?');
  const done = await paid(id);
  assert.equal(done.status, 'paid');
});
