// Proof of Attribution end to end on a real --dev node, through polkadot.js and the node's RPC:
//   1. request → answer (signed by Alice's worker key, free) → challenge window → paid; the answer, its
//      attribution and verdict read over `attribution_inference`, the credited datasets over
//      `attribution_byDataset`, the owners' pending rewards over `rewards_pending` — and a
//      contributor claims them, its free balance growing by exactly that less the transaction fee;
//   2. request → nobody answers → refund, the requester getting the fee back; then the closed request is
//      pruned when its retention ends (prompt and answer gone, record kept) and the deposit comes back;
//   3. bad input refused by name, with the escrow untouched;
//   4. a burst of 200 requests refunded and pruned over the following blocks, none over its weight limit.
// On `development` Alice is the only validator: nobody reviews, so an answer goes straight to its challenge
// window (the committee rounds are covered by the pallet's tests).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringToU8a, u8aConcat } from '@polkadot/util';
import { rpc, waitFor } from './lib/dev-node.mjs';
import { startDevChain, workerKey } from './lib/fixture.mjs';
import { drawnServer, findEvent, send, sendAll, waitForEvent } from './lib/tx.mjs';
import { assertBlocksWithinLimits, bestNumber } from './lib/blocks.mjs';
import { OPEN, canonical, commitment, medicineModel } from './lib/attribution.mjs';

const FEE = OPEN;
let chain;
let api;
let keys;
let model;
let datasets;

const free = async (who, at) => ((at ? await api.at(at) : api).query.system.account(who.address))
  .then((account) => account.data.free.toBigInt());
const reserved = async (who, at) => ((at ? await api.at(at) : api).query.system.account(who.address))
  .then((account) => account.data.reserved.toBigInt());
/** A request's deposit on this runtime: (4 000 + prompt bytes + 8 192 answer bytes) × 10 µOPEN (docs/ATTRIBUTION.md). */
const depositFor = (prompt) => BigInt(4_000 + new TextEncoder().encode(prompt).length + 8_192) * 10n ** 13n;
/** The escrow account's free balance: `PalletId(*b"ol/escrw")` as an account is "modl" + the id + zeros. */
const escrow = async () => (await api.query.system.account(
  u8aConcat(stringToU8a('modl'), stringToU8a('ol/escrw'), new Uint8Array(20)))).data.free.toBigInt();

before(async () => {
  chain = await startDevChain();
  api = chain.api;
  keys = { ...chain.accounts, aliceWorker: workerKey('alice') };

  // A DataNet with Charlie's cardiology and Dave's neurology datasets, and Bob's model on its version 2.
  ({ datasets, model } = await medicineModel(api, {
    curator: keys.alice, cardiologist: keys.charlie, neurologist: keys.dave, owner: keys.bob, fee: FEE,
  }));
});

after(() => chain?.stop());

const weights = () => canonical([[datasets.cardiology, 7_500], [datasets.neurology, 2_500]]);

test('a request is answered, accepted, paid to the data owners, and a contributor claims', async () => {
  const [ferdieBefore, heldBefore] = [await free(keys.ferdie), await reserved(keys.ferdie)];
  const requested = await send(api, api.tx.attribution.requestInference(model, 'Aspirin after a heart attack?', FEE), keys.ferdie);
  const event = findEvent(requested.events, 'attribution', 'InferenceRequested').data;
  const id = event.request.toNumber();
  // The server is drawn two blocks later, from randomness nobody knew when the request was signed.
  const requestedAt = (await api.rpc.chain.getHeader(requested.blockHash)).number.toNumber();
  assert.equal(event.drawAt.toNumber(), requestedAt + 2);
  const { server, blockHash: drawnIn } = await drawnServer(api, id, requested.blockHash);
  assert.equal(server, keys.alice.address, 'the only validator serves');
  assert.equal((await api.rpc.chain.getHeader(drawnIn)).number.toNumber(), requestedAt + 2);
  const requestFee = findEvent(requested.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  const deposit = depositFor('Aspirin after a heart attack?');
  assert.equal(await free(keys.ferdie, requested.blockHash), ferdieBefore - FEE - requestFee - deposit,
    'the fee went into escrow and the deposit is held');
  assert.equal(await reserved(keys.ferdie, requested.blockHash), heldBefore + deposit);
  let inference = await rpc(chain.httpUrl, 'attribution_inference', [id]);
  assert.equal(inference.status, 'assigned');
  assert.equal(inference.prompt, 'Aspirin after a heart attack?');
  assert.equal(inference.deposit, deposit.toString());
  assert.equal(inference.retainedUntil, null, 'an open request is not scheduled for pruning');

  // Alice's worker answers with a commitment to its vector (hidden until it reveals); a successful proof costs
  // the worker nothing.
  const salt = '0x' + '5a'.repeat(32);
  const hidden = commitment(api, id, 'Review', keys.alice.address, weights(), salt);
  const answered = await send(api, api.tx.attribution.submitResult(
    id, model, 2, '75-100 mg of aspirin daily, for life.', hidden), keys.aliceWorker);
  assert.equal(findEvent(answered.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt(), 0n);
  inference = await rpc(chain.httpUrl, 'attribution_inference', [id]);
  assert.equal(inference.serverCommitment, hidden);
  assert.equal(inference.submittedWeights, null, 'nobody can read the server\'s vector yet');
  // Nobody to review: when the (empty) committee is drawn, the server reveals alone.
  await waitForEvent(api, 'attribution', 'RevealStarted', (d) => d.request.toNumber() === id, { after: answered.blockHash });
  await assert.rejects(send(api, api.tx.attribution.reveal(id, weights(), '0x' + '00'.repeat(32)), keys.aliceWorker),
    /attribution\.RevealMismatch/);
  const revealed = await send(api, api.tx.attribution.reveal(id, weights(), salt), keys.aliceWorker);
  const decided = (await waitForEvent(api, 'attribution', 'Decided', (d) => d.request.toNumber() === id,
    { after: revealed.blockHash })).data;
  assert.equal(decided.verdict.toString(), 'Confirmed');

  inference = await waitFor('the answer to be paid', async () => {
    const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
    return found.status === 'paid' ? found : null;
  }, { timeoutMs: 90_000 });
  assert.equal(inference.output, '75-100 mg of aspirin daily, for life.');
  assert.equal(inference.verdict, 'confirmed');
  assert.equal(inference.worker, keys.aliceWorker.address);
  assert.deepEqual(inference.weights, weights().map(([dataset, bps]) => ({ dataset, bps })));
  assert.deepEqual(inference.submittedWeights, inference.weights);
  assert.deepEqual(inference.votes, []);
  assert.equal(inference.fee, FEE.toString());
  assert.ok(inference.retainedUntil > 1_000, `kept an hour after it closed: ${inference.retainedUntil}`);

  const page = await rpc(chain.httpUrl, 'attribution_byDataset', [datasets.cardiology, 0]);
  assert.deepEqual(page, { dataset: datasets.cardiology, page: 0, total: 1, answers: [{ request: id, bps: 7_500 }] });

  // Contributors share 50 % of the fee by weight: 0.375 OPEN to Charlie, 0.125 OPEN to Dave.
  const charlie = await rpc(chain.httpUrl, 'rewards_pending', [keys.charlie.address]);
  assert.equal(charlie.pending, (FEE / 2n * 3n / 4n).toString());
  assert.equal((await rpc(chain.httpUrl, 'rewards_pending', [keys.dave.address])).pending, (FEE / 8n).toString());
  assert.deepEqual(await rpc(chain.httpUrl, 'rewards_datasetEarnings', [datasets.cardiology]),
    { total: charlie.pending, answers: 1 });
  // The validators' 20 % goes to the one validator that did the work, Alice, at once.
  const credited = await waitForEvent(api, 'rewards', 'ValidatorCredited', () => true, { after: revealed.blockHash });
  assert.equal(credited.data.validator.toString(), keys.alice.address);
  assert.equal(credited.data.amount.toBigInt(), FEE / 5n);

  // Charlie claims from his wallet: his free balance grows by exactly the pending amount less the fee.
  const before = await free(keys.charlie);
  const claimed = await send(api, api.tx.rewards.claim(), keys.charlie);
  const claimFee = findEvent(claimed.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  assert.equal(await free(keys.charlie, claimed.blockHash), before + BigInt(charlie.pending) - claimFee);
  assert.deepEqual(await rpc(chain.httpUrl, 'rewards_pending', [keys.charlie.address, claimed.blockHash.toHex()]),
    { account: keys.charlie.address, pending: '0', claimed: charlie.pending });
});

test('a request nobody answers is refunded, then pruned with its deposit back', async () => {
  // Shorten the answer window to 3 blocks and the retention to 2 (root), so the test does not wait.
  const params = (await api.query.attribution.parameters()).unwrap().toJSON();
  await send(api, api.tx.sudo.sudo(api.tx.attribution.setParams({ ...params, responseWindow: 3, retention: 2 })), keys.alice);
  const before = await free(keys.ferdie);
  const requested = await send(api, api.tx.attribution.requestInference(model, 'Is this ever answered?', FEE), keys.ferdie);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  const requestFee = findEvent(requested.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  const refunded = await waitFor('the refund', async () => {
    const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
    return found.status.startsWith('refunded') ? found : null;
  });
  assert.equal(refunded.status, 'refundedNoAnswer');
  assert.equal(refunded.output, null);
  assert.equal(refunded.prompt, 'Is this ever answered?');
  const deposit = depositFor('Is this ever answered?');
  assert.equal(refunded.deposit, deposit.toString());

  const pruned = await waitFor('the pruning', async () => {
    const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
    return found.prompt === null ? found : null;
  });
  assert.equal(pruned.status, 'refundedNoAnswer', 'the record stays');
  assert.equal(pruned.deposit, '0');
  assert.equal(await free(keys.ferdie), before - requestFee, 'fee and deposit came back; only the transaction fee is spent');
  await send(api, api.tx.sudo.sudo(api.tx.attribution.setParams(params)), keys.alice);
});

test('bad input is refused by name and leaves the escrow as it was', async () => {
  const escrowBefore = await escrow();
  const ask = (modelId, maxFee, prompt = 'q') => send(api, api.tx.attribution.requestInference(modelId, prompt, maxFee), keys.ferdie);
  await assert.rejects(ask(999, FEE), /attribution\.UnknownModel/);
  await assert.rejects(ask(model, FEE - 1n), /attribution\.FeeAboveMax/);
  await assert.rejects(ask(model, FEE, 'x'.repeat(4_097)), /./, 'a prompt over 4 KiB does not even decode');

  assert.equal(await escrow(), escrowBefore);
  const requested = await ask(model, FEE);
  const id = findEvent(requested.events, 'attribution', 'InferenceRequested').data.request.toNumber();
  const held = await escrow();
  assert.equal(held, escrowBefore + FEE);
  // (A vector that is not an attribution is refused by name when the server reveals it: the pallet's tests try
  // each kind. Revealing one here would slash the only validator for its broken commitment.)
  const salt = '0x' + '11'.repeat(32);
  const hidden = commitment(api, id, 'Review', keys.alice.address, weights(), salt);
  const submit = (signer, modelId = model, version = 2, request = id) =>
    send(api, api.tx.attribution.submitResult(request, modelId, version, 'answer', hidden), signer);
  await drawnServer(api, id, requested.blockHash);
  await assert.rejects(submit(keys.bob), /attribution\.NotAssignedWorker/);
  await assert.rejects(submit(keys.alice), /attribution\.NotAssignedWorker/, 'the stash key is not the worker key');
  await assert.rejects(submit(keys.aliceWorker, model, 1), /attribution\.ProofMismatch/);
  await assert.rejects(submit(keys.aliceWorker, model, 2, id + 100), /attribution\.UnknownRequest/);
  assert.equal((await rpc(chain.httpUrl, 'attribution_inference', [id])).status, 'assigned');
  await assert.rejects(send(api, api.tx.attribution.reveal(id, weights(), salt), keys.aliceWorker),
    /attribution\.WrongPhase/, 'nothing to reveal before the answer');
  await assert.rejects(send(api, api.tx.attribution.challenge(id, 10n * OPEN), keys.ferdie), /attribution\.WrongPhase/);
  await assert.rejects(send(api, api.tx.attribution.setParams(
    (await api.query.attribution.parameters()).unwrap().toJSON()), keys.ferdie), /BadOrigin/);
  assert.equal(await rpc(chain.httpUrl, 'attribution_inference', [id + 100]), null);
  assert.equal(await escrow(), held, 'the refused calls left the escrow as it was');
});

test('a burst of 200 requests is refunded and pruned over the following blocks, and no block goes over its weight limit', async () => {
  // Before the deadline hook had a weight budget, 32 deadlines charged at the worst case (≈ 690 ms) could land in
  // one 500 ms block. Here 200 requests nobody answers fall due together, then their prunings do.
  const params = (await api.query.attribution.parameters()).unwrap().toJSON();
  await send(api, api.tx.sudo.sudo(api.tx.attribution.setParams({ ...params, responseWindow: 2, retention: 2 })), keys.alice);
  const first = (await api.query.attribution.nextRequestId()).toNumber();
  const start = await bestNumber(api);
  await sendAll(api, Array.from({ length: 200 }, (_, i) => api.tx.attribution.requestInference(model, `burst ${i}`, FEE)), keys.ferdie);
  const ids = Array.from({ length: 200 }, (_, i) => first + i);
  // Deadlines due in one block are taken in storage order, not by id: wait for every one.
  await waitFor('every burst request to be refunded and pruned', async () => {
    for (const id of ids) {
      const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
      if (!found.status.startsWith('refunded') || found.prompt !== null) return false;
    }
    return true;
  }, { timeoutMs: 240_000, intervalMs: 2_000 }); // 600 deadlines: each request's draw, refund and pruning
  for (const id of ids) {
    const found = await rpc(chain.httpUrl, 'attribution_inference', [id]);
    assert.equal(found.status, 'refundedNoAnswer', `request ${id}`);
    assert.equal(found.deposit, '0', `request ${id} was pruned`);
  }
  // Every block since the burst stayed within its weight limit, and the hooks within the deadline budget.
  await assertBlocksWithinLimits(api, start, await bestNumber(api));
  await send(api, api.tx.sudo.sudo(api.tx.attribution.setParams(params)), keys.alice);
});
