// Submits a polkadot.js transaction and resolves with its events once it is in a block; rejects with the
// decoded module error if it fails.
export function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        if (dispatchError.isModule) {
          const { section, name } = api.registry.findMetaError(dispatchError.asModule);
          reject(new Error(`${section}.${name}`));
        } else reject(new Error(dispatchError.toString()));
      } else if (status.isInBlock) resolve({ blockHash: status.asInBlock, events });
    }).catch(reject);
  });
}

/** The first event `section.method` among `events`, or undefined. */
export const findEvent = (events, section, method) =>
  events.map(({ event }) => event).find((e) => e.section === section && e.method === method);

/** `curator` creates a DataNet named `name` taking CC-BY-4.0 datasets up to 1 MB; resolves with its id. */
export async function createDataNet(api, curator, name, metadata = '{}') {
  const created = await send(api, api.tx.dataNets.create(name, metadata, {
    allowedLicences: ['CC-BY-4.0'], maxDatasetBytes: 1_000_000, maxDatasets: 10, contributionDeposit: 10n ** 16n,
  }), curator);
  return findEvent(created.events, 'dataNets', 'DataNetCreated').data.datanet.toNumber();
}
