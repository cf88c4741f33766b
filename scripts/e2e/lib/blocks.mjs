// What every hostile test checks after its attack: no block went over its weight limit.
import assert from 'node:assert/strict';

/**
 * Checks blocks `start`…`end`: each within its weight limit, and its hooks (`on_initialize`, mostly the attribution
 * deadlines) within a quarter of it — the deadline hook's budget — plus 1 ms. pallet-session charges a whole block
 * for a session change (every 10 blocks on dev chains), so those blocks are over by design: there only the hooks
 * are checked, without it.
 */
export async function assertBlocksWithinLimits(api, start, end) {
  const { maxBlock, baseBlock } = api.consts.system.blockWeights;
  const [max, base] = [maxBlock.refTime.toBigInt(), baseBlock.refTime.toBigInt()];
  for (let n = start; n <= end; n++) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    const { normal, operational, mandatory } = await at.query.system.blockWeight();
    const rotated = (await at.query.system.events()).some(({ event }) => event.section === 'session' && event.method === 'NewSession');
    const hooks = mandatory.refTime.toBigInt() - base - (rotated ? max : 0n);
    assert.ok(hooks <= max / 4n + 10n ** 9n, `block ${n}: the hooks used ${hooks} (budget ${max / 4n})`);
    if (!rotated) {
      const total = [normal, operational, mandatory].reduce((sum, w) => sum + w.refTime.toBigInt(), 0n);
      assert.ok(total <= max, `block ${n} weighs ${total} of ${max}`);
    }
  }
}

/** The best block's number. */
export const bestNumber = async (api) => (await api.rpc.chain.getHeader()).number.toNumber();
