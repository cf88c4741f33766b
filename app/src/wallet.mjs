// Accounts: whatever polkadot.js-extension-compatible wallet is injected in the page (`@polkadot/extension-dapp`;
// its signer signs), and on a development or local chain also the well-known dev accounts (signed in the page).
import { web3Accounts, web3Enable, web3FromSource } from '@polkadot/extension-dapp';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
export const APP_NAME = 'OpenLedger DataNets';

/**
 * The accounts the page may sign with: `[{ address, name, source, signer?, pair? }]`, the wallet's first.
 * `dev`: add the dev accounts (only on development or local chains).
 */
export async function loadAccounts(api, { dev }) {
  const accounts = [];
  const extensions = await web3Enable(APP_NAME);
  if (extensions.length > 0) {
    for (const account of await web3Accounts({ ss58Format: api.registry.chainSS58 })) {
      accounts.push({ address: account.address, name: account.meta.name ?? account.address, source: account.meta.source });
    }
  }
  if (dev) {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
    for (const name of DEV_NAMES) {
      const pair = keyring.addFromUri(`//${name}`, { name });
      accounts.push({ address: pair.address, name: `${name} (dev)`, source: 'development', pair });
    }
  }
  return { accounts, extensions: extensions.map((e) => e.name) };
}

/** What `signAndSend` takes for `account`: its key pair (dev) or its address with the extension's signer. */
export async function signingOf(account) {
  if (account.pair) return { who: account.pair, options: {} };
  const injected = await web3FromSource(account.source);
  return { who: account.address, options: { signer: injected.signer } };
}
