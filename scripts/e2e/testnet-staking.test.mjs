// The four-validator local net (scripts/testnet.sh) under staking changes and faults:
// an answer is reviewed by a committee of the other three validators' workers (commit, then reveal) and paid;
// a new account bonds and validates and authors blocks within two sessions of being elected; a validator is
// killed and finality continues; it restarts and catches up; unbonding removes a validator at the next
// election; withdrawal fails before the bonding period and works after it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { u8aToHex } from '@polkadot/util';
import { rpc, waitFor } from './lib/dev-node.mjs';
import { connectChain, workerKey } from './lib/fixture.mjs';
import { councilMotion, drawnServer, findEvent, send, waitForEvent } from './lib/tx.mjs';
import { canonical, commitment, medicineModel } from './lib/attribution.mjs';
import { best, finalized, startTestnet } from './lib/testnet.mjs';

const OPEN = 10n ** 18n;
const SESSION_BLOCKS = 10;
const BLOCK_MS = 2_000;
// pallet-session queues each set a session ahead: a change made in session s shows in s + 2.
const SESSIONS_TO_TAKE_EFFECT = 3;
const effectTimeout = (sessions = SESSIONS_TO_TAKE_EFFECT) => sessions * SESSION_BLOCKS * BLOCK_MS + 30_000;

let net;
let chain;
let api;
let eve;
let eveWorker;

before(async () => {
  net = await startTestnet();
  chain = await connectChain(net.nodes.alice.wsUrl);
  ({ api, accounts: { eve } } = chain);
  eveWorker = workerKey('eve');
});

after(async () => {
  await chain?.stop();
  await net?.stop();
});

const validators = async () => (await api.query.session.validators()).map((v) => v.toString());
const currentSession = async () => (await api.query.validatorStaking.currentSession()).toNumber();

/** Authors of the last `count` blocks, from their BABE pre-runtime digests. */
async function recentAuthors(count) {
  const authors = new Set();
  let hash = await api.rpc.chain.getBlockHash();
  for (let i = 0; i < count; i++) {
    const header = await api.derive.chain.getHeader(hash);
    if (header.author) authors.add(header.author.toString());
    if (header.number.toNumber() === 0) break;
    hash = header.parentHash;
  }
  return authors;
}

test('the four genesis validators author blocks and finalize', async () => {
  assert.equal((await validators()).length, 4);
  const authors = await waitFor('all four validators to author', async () => {
    const a = await recentAuthors(12);
    return a.size === 4 ? a : undefined;
  }, { timeoutMs: 60_000 });
  assert.equal(authors.size, 4);
});

test('an answer is reviewed by the other three validators, commit then reveal, and paid', async () => {
  const { alice, bob, charlie, dave, ferdie } = chain.accounts;
  const stash = Object.fromEntries(Object.entries({ alice, bob, charlie, dave }).map(([name, pair]) => [pair.address, name]));
  const workerOf = (address) => workerKey(stash[address]);
  const { datasets, model } = await medicineModel(api, {
    curator: alice, cardiologist: charlie, neurologist: dave, owner: bob, fee: OPEN,
  });
  const requested = await send(api, api.tx.attribution.requestInference(model, 'Aspirin after MI?', OPEN), ferdie);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  // Four validators author, so the best chain can reorganise under a draw: act only on finalized draws.
  const { server } = await drawnServer(api, id, requested.blockHash, { finalized: true });
  const answer = canonical([[datasets.cardiology, 7_500], [datasets.neurology, 2_500]]);
  // The server commits to its vector with the answer; nobody sees it until the committee has committed.
  const serverSalt = '0x' + '9'.repeat(64);
  const answered = await send(api, api.tx.attribution.submitResult(id, model, 2, '75-100 mg daily.',
    commitment(api, id, 'Review', server, answer, serverSalt)), workerOf(server));
  assert.equal(findEvent(answered.events, 'attribution', 'CommitteeDrawn'), undefined,
    'the committee is not drawn in the answer\'s block');
  const drawn = await waitForEvent(api, 'attribution', 'CommitteeDrawn', (d) => d.request.toNumber() === id,
    { after: answered.blockHash, finalized: true });
  const members = drawn.data.members.map((m) => m.toString());
  assert.equal(members.length, 3);
  assert.ok(!members.includes(server), 'the server does not review itself');

  // Each member's worker recomputes (here: a vector within the 5 % tolerance), commits, then reveals.
  const votes = members.map((member, i) => ({
    member,
    weights: i === 0 ? canonical([[datasets.cardiology, 7_400], [datasets.neurology, 2_600]]) : answer,
    salt: '0x' + String(i + 1).repeat(64),
  }));
  let lastCommit;
  for (const { member, weights, salt } of votes) {
    lastCommit = await send(api, api.tx.attribution.commit(id, commitment(api, id, 'Review', member, weights, salt)), workerOf(member));
  }
  // Read at the block holding the last commit: with four authors that block may be on a fork that is not (yet) best.
  const revealing = await rpc(net.nodes.alice.httpUrl, 'attribution_inference', [id, lastCommit.blockHash.toHex()]);
  assert.equal(revealing.status, 'revealing');
  assert.equal(revealing.submittedWeights, null, 'the server\'s vector is still hidden');
  // Reveals are valid only once the best chain has all three commits.
  await waitFor('the best block to be revealing', async () =>
    (await rpc(net.nodes.alice.httpUrl, 'attribution_inference', [id])).status === 'revealing' || null,
  { timeoutMs: 30_000 });
  // The server reveals with its committee.
  await send(api, api.tx.attribution.reveal(id, answer, serverSalt), workerOf(server));
  for (const { member, weights, salt } of votes) {
    await send(api, api.tx.attribution.reveal(id, weights, salt), workerOf(member));
  }
  const paid = await waitFor('the reviewed answer to be paid', async () => {
    const found = await rpc(net.nodes.bob.httpUrl, 'attribution_inference', [id]);
    return found.status === 'paid' ? found : null;
  }, { timeoutMs: 90_000 });
  assert.equal(paid.verdict, 'confirmed');
  assert.deepEqual(paid.weights, answer.map(([dataset, bps]) => ({ dataset, bps })));
  assert.equal(paid.votes.length, 3);
  assert.ok(paid.votes.every((v) => v.round === 'review' && v.revealed !== null));
  assert.equal((await validators()).length, 4, 'nobody was slashed or chilled');
  // The validators' 20 % of the fee, in fifths: 2 to the server, 1 to each of the three reviewers who agreed.
  const credited = [];
  let after = answered.blockHash;
  while (credited.length < 4) {
    const found = await waitForEvent(api, 'rewards', 'ValidatorCredited', () => true, { after });
    const events = await (await api.at(found.blockHash)).query.system.events();
    for (const { event } of events) {
      if (event.section === 'rewards' && event.method === 'ValidatorCredited') {
        credited.push([event.data.validator.toString(), event.data.amount.toBigInt()]);
      }
    }
    after = found.blockHash;
  }
  const part = OPEN / 5n;
  assert.deepEqual(Object.fromEntries(credited), Object.fromEntries([[server, part * 2n / 5n], ...members.map((m) => [m, part / 5n])]));
});

test('without a sudo key, the council changes parameters by two thirds and acts as root through the whitelist', async () => {
  const { alice, bob, charlie, dave } = chain.accounts;
  const council = [alice, bob, charlie, dave];
  assert.ok((await api.query.sudo.key()).isNone, 'the testnet has no sudo key');
  assert.deepEqual((await api.query.council.members()).map((m) => m.toString()).sort(),
    council.map((m) => m.address).sort(), 'the validators form the council');

  // One member alone cannot change the protocol: a motion with a threshold of one executes as one of four.
  const params = (await api.query.attribution.parameters()).unwrap().toJSON();
  const change = api.tx.attribution.setParams({ ...params, retention: params.retention + 1 });
  const alone = await send(api, api.tx.council.propose(1, change, change.method.encodedLength), bob);
  assert.ok(findEvent(alone.events, 'council', 'Executed').data.result.isErr, 'one of four is not two thirds');
  assert.equal((await api.query.attribution.parameters()).unwrap().toJSON().retention, params.retention);
  // Three of four can.
  const passed = await councilMotion(api, change, council);
  assert.ok(passed.isOk, `${passed}`);
  assert.equal((await api.query.attribution.parameters()).unwrap().toJSON().retention, params.retention + 1);
  assert.ok((await councilMotion(api, api.tx.attribution.setParams(params), council)).isOk);

  // Root-only calls (a runtime upgrade, `system.setStorage` here): two thirds whitelist the call's hash, then
  // any one member dispatches it as root. Before the whitelisting, nobody outside the council can dispatch it, and
  // a member's dispatch is only recorded (deferred), not executed.
  const key = '0x' + Buffer.from(':governance-test').toString('hex');
  const rootCall = api.tx.system.setStorage([[key, '0x01']]);
  const dispatch = api.tx.whitelist.dispatchWhitelistedCallWithPreimage(rootCall);
  await assert.rejects(send(api, dispatch, chain.accounts.ferdie), /whitelist\.DeferredDispatchNotFound/);
  const early = await send(api, api.tx.council.execute(dispatch, dispatch.method.encodedLength), dave);
  assert.ok(findEvent(early.events, 'whitelist', 'DispatchDeferred'), 'deferred until whitelisted');
  assert.ok((await api.rpc.state.getStorage(key)).isNone, 'and not executed');
  const whitelisted = await councilMotion(api, api.tx.whitelist.whitelistCall(rootCall.method.hash), council);
  assert.ok(whitelisted.isOk, `${whitelisted}`);
  const done = await send(api, api.tx.council.execute(dispatch, dispatch.method.encodedLength), dave);
  assert.ok(findEvent(done.events, 'council', 'MemberExecuted').data.result.isOk);
  assert.ok(findEvent(done.events, 'whitelist', 'WhitelistedCallDispatched').data.result.isOk, 'dispatched as root');
  assert.equal((await api.rpc.state.getStorage(key)).toHex(), '0x01');
});

test('a new account sets keys, bonds and validates, and authors blocks once elected', async () => {
  const eveNode = await net.joinNode('eve');
  // The operator's path: keys generated in Eve's node keystore, with a proof of ownership for her account.
  const { keys, proof } = await rpc(eveNode.httpUrl, 'author_rotateKeysWithOwner', [u8aToHex(eve.publicKey)]);
  await send(api, api.tx.session.setKeys(keys, proof), eve);

  // Bad input first: a bond below the validator minimum cannot validate; the worker key of another
  // validator is refused.
  await send(api, api.tx.validatorStaking.bond(100n * OPEN), eve);
  await assert.rejects(send(api, api.tx.validatorStaking.validate(0, eveWorker.address), eve),
    /validatorStaking\.BondBelowValidatorMinimum/);
  await send(api, api.tx.validatorStaking.bondExtra(20_000n * OPEN), eve);
  const aliceWorker = workerKey('alice');
  await assert.rejects(send(api, api.tx.validatorStaking.validate(0, aliceWorker.address), eve),
    /validatorStaking\.WorkerKeyInUse/);

  const { events } = await send(api, api.tx.validatorStaking.validate(50_000_000, eveWorker.address), eve);
  assert.ok(events.some(({ event }) => event.section === 'validatorStaking' && event.method === 'Validating'));
  const since = await currentSession();

  await waitFor('Eve to join the session validators', async () => (await validators()).includes(eve.address),
    { timeoutMs: effectTimeout() });
  assert.ok(await currentSession() <= since + 2, 'elected within two sessions');
  await waitFor('a block authored by Eve', async () => (await recentAuthors(6)).has(eve.address),
    { timeoutMs: 60_000 });
  assert.equal((await validators()).length, 5);
});

test('finality continues with one validator killed, and the restarted node catches up', async () => {
  await net.kill('dave');
  const from = await finalized(net.nodes.alice.httpUrl);
  await waitFor('finality to advance by 3 blocks without Dave', async () =>
    (await finalized(net.nodes.alice.httpUrl)) >= from + 3, { timeoutMs: 60_000 });

  await net.restart('dave');
  await waitFor('the restarted node to catch up with finality', async () => {
    const target = await finalized(net.nodes.alice.httpUrl);
    const [daveBest, daveFinal] = [await best(net.nodes.dave.httpUrl), await finalized(net.nodes.dave.httpUrl)];
    return daveBest >= target && daveFinal >= target - 2;
  }, { timeoutMs: 90_000 });
});

test('unbonding removes a validator at the next election; withdrawal waits for the bonding period', async () => {
  const ledger = (await api.query.validatorStaking.ledgers(eve.address)).unwrap();
  const active = ledger.active.toBigInt();
  const { events } = await send(api, api.tx.validatorStaking.unbond(active), eve);
  const unbonded = events.map(({ event }) => event).find((e) => e.method === 'Unbonded');
  const unlockSession = unbonded.data.unlockSession.toNumber();
  assert.ok(events.some(({ event }) => event.method === 'Chilled'), 'a validator unbonding everything is chilled');

  await assert.rejects(send(api, api.tx.validatorStaking.withdrawUnbonded(), eve),
    /validatorStaking\.NothingToWithdraw/);

  await waitFor('Eve to leave the session validators', async () => !(await validators()).includes(eve.address),
    { timeoutMs: effectTimeout() });
  assert.equal((await validators()).length, 4);

  await waitFor(`session ${unlockSession}`, async () => (await currentSession()) >= unlockSession,
    { timeoutMs: effectTimeout() });
  const before = (await api.query.system.account(eve.address)).data.free.toBigInt();
  const withdrawn = await send(api, api.tx.validatorStaking.withdrawUnbonded(), eve);
  const event = withdrawn.events.map(({ event }) => event).find((e) => e.method === 'Withdrawn');
  assert.equal(event.data.amount.toBigInt(), active);
  const after = (await api.query.system.account(eve.address)).data.free.toBigInt();
  assert.ok(after > before + active - OPEN, `free balance grew by the bond less the fee (${after - before})`);
  assert.ok((await api.query.validatorStaking.ledgers(eve.address)).isNone, 'the emptied ledger is removed');
});
