// Node smoke test: a real `--dev` node authors and finalizes blocks, advertises OPEN with 18 decimals,
// and includes a polkadot.js-signed balance transfer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBalance } from '@polkadot/util';
import { finalizedNumber, rpc, waitFor } from './lib/dev-node.mjs';
import { startDevChain } from './lib/fixture.mjs';

const OPEN = 10n ** 18n;
let chain;
let api;
let alice;
let bob;

before(async () => {
  chain = await startDevChain();
  ({ api, accounts: { alice, bob } } = chain);
});

after(() => chain?.stop());

test('the dev node authors blocks and GRANDPA finalizes block 3', async () => {
  const number = await waitFor('block 3 to be finalized', async () => {
    const n = await finalizedNumber(chain.httpUrl);
    return n >= 3 ? n : undefined;
  }, { timeoutMs: 90_000 });
  assert.ok(number >= 3);
});

test('system_properties advertise OPEN with 18 decimals', async () => {
  const properties = await rpc(chain.httpUrl, 'system_properties');
  assert.equal(properties.tokenSymbol, 'OPEN');
  assert.equal(properties.tokenDecimals, 18);
  assert.equal(typeof properties.ss58Format, 'number');
  assert.deepEqual(api.registry.chainTokens, ['OPEN']);
  assert.deepEqual(api.registry.chainDecimals, [18]);
});

test("polkadot.js reads Alice's OPEN balance with the right decimals", async () => {
  const { data } = await api.query.system.account(alice.address);
  assert.ok(data.free.toBigInt() > 1000n * OPEN, `Alice has ${data.free}`);
  const shown = formatBalance(data.free, { decimals: api.registry.chainDecimals[0], withUnit: 'OPEN', forceUnit: '-' });
  assert.match(shown, /OPEN$/);
  const whole = data.free.toBigInt() / OPEN;
  assert.ok(shown.replace(/,/g, '').startsWith(whole.toString()), `${shown} shows ${whole} whole OPEN`);
});

test('a signed transfer Alice → Bob is included in a block and moves exactly the amount', async () => {
  const amount = 12n * OPEN + 345n;
  const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();

  const blockHash = await new Promise((resolve, reject) => {
    api.tx.balances.transferKeepAlive(bob.address, amount)
      .signAndSend(alice, ({ status, dispatchError }) => {
        if (dispatchError) reject(new Error(dispatchError.toString()));
        else if (status.isInBlock) resolve(status.asInBlock);
      })
      .catch(reject);
  });

  const events = await (await api.at(blockHash)).query.system.events();
  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'a Balances.Transfer event in the block');
  assert.equal(transfer.event.data.amount.toBigInt(), amount);
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));

  const bobAfter = (await (await api.at(blockHash)).query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(bobAfter - bobBefore, amount);
});
