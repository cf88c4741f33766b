// Faults on the four-validator net (scripts/testnet.sh) with a worker per validator: a worker that lies (the
// test-only --perturb-weights flag) is outvoted and slashed; a worker killed while its request waits is replaced
// by another validator's, which answers; a node restarted under its running worker loses nothing.
// Windows are set by root first: four nodes and four workers share this machine's two cores, where a server
// answers within about 20 s alone and three reviewers recompute it within about 30 s. The response window is
// 120 s: the official CI, with the other end-to-end lane's nodes and workers on the same two cores, saw requests
// here and in worker.test.mjs go unanswered within 60 s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, waitFor } from './lib/dev-node.mjs';
import { connectChain, workerUri } from './lib/fixture.mjs';
import { councilMotion, drawnServer, findEvent, send, waitForEvent } from './lib/tx.mjs';
import { OPEN, setUpDemo } from './lib/demo.mjs';
import { startTestnet } from './lib/testnet.mjs';
import { startWorker } from './lib/worker.mjs';
import { asRoot, storageKey, storageVersion, storageVersionKey, upgradeRuntime } from './lib/governance.mjs';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

/** The account of a pallet id (`modl` ++ id, zero-padded to 32 bytes). */
const palletAccount = (id) => u8aToHex(u8aConcat(stringToU8a('modl'), stringToU8a(id), new Uint8Array(28 - id.length)));

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
    ...params, responseWindow: 60, commitWindow: 45, revealWindow: 30, challengeWindow: 5,
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
  // Four validators author: the draw is read finalized, so a reorganisation cannot change who serves.
  const { server } = await drawnServer(api, id, requested.blockHash, { finalized: true });
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
  // Every worker is paused (SIGSTOP) while the request is asked and its server drawn, so none can answer before
  // the server is known and killed — on a loaded machine the test saw the draw late, after the answer.
  for (const name of NAMES) process.kill(workers[name].pid, 'SIGSTOP');
  let request;
  try {
    request = await ask('Which drugs reduce mortality after a heart attack?');
    await workers[request.server].stop('SIGKILL');
  } finally {
    for (const name of NAMES) if (name !== request?.server) process.kill(workers[name].pid, 'SIGCONT');
  }
  const victim = request.server;
  // The silent server is replaced when its window ends; then the victim's worker comes back (it also sits on
  // committees) and resumes from its progress file without answering the request it lost.
  let seen;
  await waitFor('a replacement server', async () => {
    seen = await rpc(net.nodes.alice.httpUrl, 'attribution_inference', [request.id]);
    return seen.assignments === 2;
  }, { timeoutMs: 300_000, intervalMs: 2_000 }).catch((error) => {
    throw new Error(`${error.message}; ${victim} served, request ${request.id} is ${JSON.stringify(seen)}\n${NAMES.map((n) => `--- ${n}\n${logsOf(n)}`).join('\n')}`);
  });
  workers[victim] = startFor(victim, workers[victim].dataDir);
  const done = await paid(request.id);
  assert.equal(done.assignments, 2, 'a second server was drawn');
  assert.notEqual(nameOf(done.server), victim);
  assert.ok(!workers[victim].logs.some((l) => l.includes(`answered request ${request.id}`)), 'the victim did not answer late');
});

test('a node restarted under its running worker loses nothing', async () => {
  const name = 'bob';
  const before = workers[name].logs.length;
  await net.kill(name);
  // `restart` fails by name unless the node is back on its own RPC port.
  await net.restart(name);
  await waitFor(`${name}'s worker to follow the restarted node`, async () => {
    const up = await rpc(net.nodes[name].httpUrl, 'chain_getFinalizedHead').catch(() => null);
    return up && workers[name].logs.slice(before).some((l) => l.includes('lost the node'));
  }, { timeoutMs: 120_000, intervalMs: 2_000 }).catch((error) => {
    throw new Error(`${error.message}\n--- ${name}'s worker\n${logsOf(name)}\n--- ${name}'s node\n${net.logTail(name)}`);
  });
  const { id } = await ask('How are acute migraine attacks treated?');
  const done = await paid(id);
  assert.equal(done.status, 'paid');
});

test('the council upgrades the running chain to the next runtime; its migrations run and the workers answer on', async () => {
  const council = NAMES.map((n) => keys[n]);
  const free = async (address) => (await api.query.system.account(address)).data.free.toBigInt();
  assert.equal((await api.rpc.state.getRuntimeVersion()).specVersion.toNumber(), 104);

  // The state a chain of the previous release holds (storage version 0 of attribution and rewards): parameters
  // without `absenceSlash`, and 7 OPEN of validators' fees in the session pool (held by the rewards account). No
  // key can write it: the council does, as root.
  const p = (await api.query.attribution.parameters()).unwrap();
  const oldParams = api.createType('(u32, u32, u32, u32, u32, u32, u32, u32, u32, u128, u32, u32, u32, u32, u32)', [
    p.committeeSize, p.quorum, p.tolerance, p.responseWindow, p.commitWindow, p.revealWindow, p.challengeWindow,
    p.challengeCommitteeSize, p.challengeQuorum, p.minChallengeBond, p.serverSlash, p.memberSlash,
    p.challengerReward, p.inconclusiveFee, p.retention]).toHex();
  const pool = 7n * OPEN;
  await send(api, api.tx.balances.transferKeepAlive(palletAccount('ol/rewrd'), pool), keys.ferdie);
  await asRoot(api, api.tx.system.setStorage([
    [storageVersionKey('Attribution'), storageVersion(0)],
    [storageVersionKey('Rewards'), storageVersion(0)],
    [storageKey('Attribution', 'Parameters'), oldParams],
    [storageKey('Rewards', 'ValidatorPool'), u8aToHex(api.createType('u128', pool).toU8a())],
  ]), council);
  assert.equal((await api.query.attribution.palletVersion()).toNumber(), 0);
  const treasuryBefore = await free(palletAccount('ol/trsry'));

  // The upgrade, through governance: two thirds whitelist `system.setCode(the next runtime)`, one member
  // dispatches it.
  const upgraded = await asRoot(api, api.tx.system.setCode(upgradeRuntime()), council);
  assert.ok(findEvent(upgraded.events, 'system', 'CodeUpdated'), 'the code was set');
  // The next block runs the new runtime, its migrations first.
  const retired = await waitForEvent(api, 'rewards', 'PoolRetired', () => true, { after: upgraded.blockHash });
  assert.equal(retired.data.amount.toBigInt(), pool, 'the pool went to the treasury');
  const version = await api.rpc.state.getRuntimeVersion(retired.blockHash);
  assert.equal(version.specVersion.toNumber(), 105);
  assert.equal((await api.query.attribution.palletVersion()).toNumber(), 1);
  assert.equal((await api.query.rewards.palletVersion()).toNumber(), 1);
  const migrated = (await api.query.attribution.parameters()).unwrap();
  assert.equal(migrated.absenceSlash.toNumber(), 1_000_000, 'the parameters gained the absence slash (0.1 %)');
  assert.equal(migrated.responseWindow.toNumber(), p.responseWindow.toNumber(), 'and kept the rest');
  assert.ok((await free(palletAccount('ol/trsry'))) >= treasuryBefore + pool);

  // Blocks keep coming and finalizing; every worker saw the upgrade, found what it uses unchanged, and answers on.
  const upgradedAt = (await api.rpc.chain.getHeader(retired.blockHash)).number.toNumber();
  await waitFor('finality past the upgrade', async () => {
    const head = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    return head.number.toNumber() > upgradedAt + 2;
  }, { timeoutMs: 60_000 });
  const followed = (n) => workers[n].logs.some((l) => l.includes('upgraded from spec version 104 to 105'));
  await waitFor('every worker to follow the upgrade', async () => NAMES.every(followed),
    { timeoutMs: 60_000, intervalMs: 1_000 }).catch((error) => {
    throw new Error(`${error.message}\n${NAMES.filter((n) => !followed(n)).map((n) => `--- ${n}\n${logsOf(n)}`).join('\n')}`);
  });
  const { id } = await ask('What aspirin dose is recommended after a myocardial infarction?');
  const done = await paid(id);
  assert.equal(done.status, 'paid');
});
