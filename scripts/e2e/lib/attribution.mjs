// Shared by the attribution e2e tests: a DataNet with two expert datasets and a model on it, and the
// commitment a committee member publishes.
import { blake2AsHex } from '@polkadot/util-crypto';
import { stringToU8a } from '@polkadot/util';
import { contentHash } from './content.mjs';
import { minhashSketch } from './sketch.mjs';
import { createDataNet, findEvent, registerModel, send } from './tx.mjs';

export const OPEN = 10n ** 18n;

/** Registers a URI dataset of `text` by `owner`, proposes it to `datanet`, and has `curator` approve it. */
async function contribute(api, curator, datanet, owner, text) {
  const bytes = stringToU8a(text);
  const registered = await send(api, api.tx.datasets.register(
    contentHash(bytes), '0x' + '11'.repeat(32), 3, bytes.length, 'CC-BY-4.0', minhashSketch(bytes),
    { Uri: `https://example.org/${owner.address}.jsonl` }, '',
  ), owner);
  const id = findEvent(registered.events, 'datasets', 'DatasetRegistered').data.dataset.toNumber();
  await send(api, api.tx.dataNets.propose(datanet, id), owner);
  await send(api, api.tx.dataNets.approve(datanet, id), curator);
  return id;
}

/**
 * `curator` creates a DataNet; `cardiologist` and `neurologist` contribute a dataset each (version 2 holds
 * both); `owner` registers a model on version 2 charging `fee`. Returns the ids.
 */
export async function medicineModel(api, { curator, cardiologist, neurologist, owner, fee }) {
  const datanet = await createDataNet(api, curator, 'medicine-qa');
  const datasets = {
    cardiology: await contribute(api, curator, datanet, cardiologist,
      'Aspirin 75-100 mg daily after myocardial infarction.\nBeta blockers reduce mortality after MI.\nStatins for all.'),
    neurology: await contribute(api, curator, datanet, neurologist,
      'Thrombolysis within 4.5 hours of ischaemic stroke onset.\nMigraine: triptans abort attacks.\nEEG for seizures.'),
  };
  const model = await registerModel(api, owner, {
    datanet, version: 2, datasets: [datasets.cardiology, datasets.neurology], fee,
    hyperparametersHash: '0x' + 'aa'.repeat(32), influenceHash: '0x' + 'bb'.repeat(32), metadata: { name: 'medicine-rag' },
  });
  return { datanet, datasets, model };
}

/** Attribution weights in the canonical (ascending dataset) order. */
export const canonical = (pairs) => [...pairs].sort((a, b) => a[0] - b[0]);

/**
 * A committee member's (or, under the review round, the server's) commitment, as
 * `openledger_primitives::attribution::commitment` computes it: blake2-256 of SCALE(request, round, validator,
 * weights, salt).
 */
export function commitment(api, request, round, validator, weights, salt) {
  const encoded = api.createType('(u64, u8, AccountId32, Vec<(u64, u16)>, [u8; 32])',
    [request, round === 'Review' ? 0 : 1, validator, weights, salt]).toU8a();
  return blake2AsHex(encoded, 256);
}
