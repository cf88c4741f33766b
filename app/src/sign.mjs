// Every signature goes through here: the fee estimate (`paymentInfo`) is shown and confirmed first, then the
// wallet signs; a refused transaction is reported by its chain error's name and documentation.
import { current } from './chain.mjs';
import { formatOpen } from './format.mjs';
import { signingOf } from './wallet.mjs';

/** `pallet.Error: docs` for a dispatch error, or the error's text. */
export function namedError(api, dispatchError) {
  if (dispatchError.isModule) {
    const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
    return new Error(`${section}.${name}${docs.length ? `: ${docs.join(' ').trim()}` : ''}`);
  }
  if (dispatchError.isToken) return new Error(`token.${dispatchError.asToken.type}: not enough free OPEN`);
  return new Error(dispatchError.toString());
}

let confirmer = async () => true;
/** Sets how the page asks the user to confirm a fee: `(description, fee) => Promise<boolean>`. */
export const setConfirmer = (ask) => { confirmer = ask; };

/** The fee `account` would pay for `tx` (planck). */
export async function estimateFee(tx, account) {
  return (await tx.paymentInfo(account.address)).partialFee.toBigInt();
}

/**
 * Shows `tx`'s fee, asks to confirm, signs with `account` and resolves once it is in a block with
 * `{ blockHash, events, fee }` (`fee`: what was paid). `count` transactions of this kind are confirmed at once
 * when the caller sends a batch (the fee shown is for all of them). Rejects with the chain error's name.
 */
export async function signAndSend(tx, account, { describe, count = 1, nonce = -1, confirmed = false } = {}) {
  const api = current();
  if (!confirmed) {
    const fee = (await estimateFee(tx, account)) * BigInt(count);
    if (!(await confirmer(describe ?? `${tx.method.section}.${tx.method.method}`, fee))) throw new Error('cancelled: nothing was signed');
  }
  const { who, options } = await signingOf(account);
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(who, { ...options, nonce }, ({ status, events, dispatchError }) => {
      if (status.isInBlock || status.isFinalized) {
        unsubscribe();
        if (dispatchError) {
          reject(namedError(api, dispatchError));
          return;
        }
        const paid = events.find(({ event }) => event.section === 'transactionPayment' && event.method === 'TransactionFeePaid');
        resolve({ blockHash: status.isInBlock ? status.asInBlock : status.asFinalized, events, fee: paid ? paid.event.data.actualFee.toBigInt() : 0n });
      } else if (status.isDropped || status.isInvalid || status.isUsurped) {
        unsubscribe();
        reject(new Error(`the transaction was ${status.type.toLowerCase()} by the node`));
      }
    }).then((u) => { unsubscribe = u; }, (error) => reject(new Error(error.message.replace(/^\d+: /, ''))));
  });
}

export const describeFee = (description, fee) => `${description} — estimated fee ${formatOpen(fee)}`;

/** Asks once for a batch of signatures (`fee`: their estimated total); resolves whether the user agreed. */
export const confirmAll = (description, fee) => confirmer(description, fee);
