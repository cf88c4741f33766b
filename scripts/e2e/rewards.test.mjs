// Rewards over RPC and polkadot.js on a real --dev node: an account's pending and claimed OPEN, dataset and
// DataNet earnings, and a claim with nothing pending — refused by name and charged only the base fee.
// (A real answer paid out and claimed is attribution.test.mjs; the conservation of OPEN across payouts and
// claims is checked by the pallet's property test.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc } from './lib/dev-node.mjs';
import { startDevChain } from './lib/fixture.mjs';
import { findEvent, send } from './lib/tx.mjs';

let chain;
let api;
let alice;
let charlie;

before(async () => {
  chain = await startDevChain();
  ({ api, accounts: { alice, charlie } } = chain);
});

after(() => chain?.stop());

test('pending rewards, dataset and DataNet earnings read over RPC', async () => {
  assert.deepEqual(await rpc(chain.httpUrl, 'rewards_pending', [charlie.address]),
    { account: charlie.address, pending: '0', claimed: '0' });
  assert.deepEqual(await rpc(chain.httpUrl, 'rewards_datasetEarnings', [0]), { total: '0', answers: 0 });
  assert.deepEqual(await rpc(chain.httpUrl, 'rewards_datanetEarnings', [0]), { total: '0', answers: 0 });
  await assert.rejects(rpc(chain.httpUrl, 'rewards_pending', ['not-an-address']), /not an SS58 account/);
  const split = await api.query.rewards.split();
  const parts = ['treasury', 'modelOwner', 'validators', 'contributors'].map((k) => split[k].toNumber());
  assert.equal(parts.reduce((a, b) => a + b, 0), 10_000);
});

test('a claim with nothing pending fails with NothingToClaim and pays only the base fee', async () => {
  const tx = api.tx.rewards.claim();
  // What the declared weight would cost (payment_queryInfo, as wallets show before signing).
  const { partialFee } = await tx.paymentInfo(charlie);
  const estimated = partialFee.toBigInt();
  const events = await new Promise((resolve, reject) => {
    tx.signAndSend(charlie, ({ status, events, dispatchError }) => {
      if (status.isInBlock) {
        if (!dispatchError?.isModule) reject(new Error('the claim should fail'));
        else resolve({ events, error: api.registry.findMetaError(dispatchError.asModule) });
      }
    }).catch(reject);
  });
  assert.equal(`${events.error.section}.${events.error.name}`, 'rewards.NothingToClaim');
  const paid = findEvent(events.events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
  assert.ok(paid < estimated, `the refused claim paid ${paid}, less than the ${estimated} its declared weight costs`);
});

test('only root may change the fee split, and only to one summing to 10 000', async () => {
  const split = { treasury: 500, modelOwner: 1_500, validators: 2_000, contributors: 6_000 };
  await assert.rejects(send(api, api.tx.rewards.setSplit(split), charlie), /BadOrigin/);
  const bad = await send(api, api.tx.sudo.sudo(api.tx.rewards.setSplit({ ...split, contributors: 5_999 })), alice);
  const sudid = findEvent(bad.events, 'sudo', 'Sudid').data.sudoResult;
  assert.ok(sudid.isErr && api.registry.findMetaError(sudid.asErr.asModule).name === 'InvalidSplit');
  await send(api, api.tx.sudo.sudo(api.tx.rewards.setSplit(split)), alice);
  assert.equal((await api.query.rewards.split()).contributors.toNumber(), 6_000);
});
