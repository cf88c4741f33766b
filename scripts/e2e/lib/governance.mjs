// Acting as root through the council (docs/GOVERNANCE.md), raw storage keys, and the runtime the upgrade test
// enacts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { u8aToHex } from '@polkadot/util';
import { xxhashAsHex } from '@polkadot/util-crypto';
import { councilMotion, eventsAt, findEvent, send } from './tx.mjs';

/**
 * Dispatches `call` as root without any key: a two-thirds motion of `council` whitelists its hash, then
 * `council[0]` dispatches it (`council.execute(whitelist.dispatchWhitelistedCallWithPreimage(call))`). Resolves
 * with the dispatch's block `{ blockHash, events }`; throws if the call failed.
 */
export async function asRoot(api, call, council) {
  const whitelisted = await councilMotion(api, api.tx.whitelist.whitelistCall(call.method.hash), council);
  if (whitelisted.isErr) throw new Error(`whitelisting failed: ${whitelisted}`);
  const dispatch = api.tx.whitelist.dispatchWhitelistedCallWithPreimage(call);
  const done = await send(api, api.tx.council.execute(dispatch, dispatch.method.encodedLength), council[0]);
  let { events } = done;
  if (!findEvent(events, 'whitelist', 'WhitelistedCallDispatched')) {
    // A runtime upgrade's block: polkadot.js may decode its events while it switches to the new runtime's
    // metadata, and lose them. Read them again at the block itself.
    events = await eventsAt(api, done.blockHash);
  }
  const result = findEvent(events, 'whitelist', 'WhitelistedCallDispatched')?.data.result;
  if (!result || result.isErr) throw new Error(`the root dispatch failed: ${result}`);
  return { blockHash: done.blockHash, events };
}

/** The raw key of storage value `item` of `pallet` (twox128 ++ twox128). */
export const storageKey = (pallet, item) => xxhashAsHex(pallet, 128) + xxhashAsHex(item, 128).slice(2);

/** The raw key of `pallet`'s storage version. */
export const storageVersionKey = (pallet) => storageKey(pallet, ':__STORAGE_VERSION__:');

/** SCALE of a u16 storage version. */
export const storageVersion = (version) => u8aToHex(new Uint8Array([version & 0xff, version >> 8]));

/**
 * The runtime one spec version later (the `upgrade-test` build of this runtime, which runtime/build.rs builds
 * beside the node's): `OPENLEDGER_UPGRADE_WASM`, else next to the node binary's build.
 */
export function upgradeRuntime() {
  const path = process.env.OPENLEDGER_UPGRADE_WASM
    ?? join(dirname(process.env.OPENLEDGER_NODE_BIN ?? ''), 'wbuild', 'openledger-runtime',
      'upgrade_test_runtime.compact.compressed.wasm');
  if (!existsSync(path)) throw new Error(`no upgrade runtime at ${path} (set OPENLEDGER_UPGRADE_WASM; runtime/build.rs builds it)`);
  return u8aToHex(readFileSync(path));
}
