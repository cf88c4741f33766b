// The node: a polkadot.js connection, the node's own RPC (datanets_*, attribution_*, rewards_*: the runtime APIs
// as JSON) and the reads every page shares.
import { ApiPromise, WsProvider } from '@polkadot/api';

let api;
let provider;

/** Connects to `url` (ws:// or wss://); throws a named error when nothing answers within 10 s. */
export async function connect(url) {
  if (!/^wss?:\/\/[^\s]+$/.test(url)) throw new Error(`"${url}" is not a node address (ws://host:port or wss://…)`);
  await disconnect();
  provider = new WsProvider(url, false);
  await provider.connect();
  const ready = ApiPromise.create({ provider, noInitWarn: true });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`no node answered at ${url} within 10 s`)), 10_000));
  try {
    api = await Promise.race([ready, timeout]);
  } catch (error) {
    await disconnect();
    throw error;
  }
  return api;
}

export async function disconnect() {
  const old = api;
  api = undefined;
  if (old) await old.disconnect().catch(() => {});
  else if (provider) await provider.disconnect().catch(() => {});
  provider = undefined;
}

export const current = () => {
  if (!api) throw new Error('not connected to a node');
  return api;
};

/** One of the node's JSON RPC methods (`datanets_datanet`, …). */
export function rpc(method, params = []) {
  current();
  return provider.send(method, params);
}

export const datanet = (id) => rpc('datanets_datanet', [id]);
export const dataset = (id) => rpc('datanets_dataset', [id]);
export const members = (id, version) => rpc('datanets_members', [id, version]);
export const version = (id, number) => rpc('datanets_version', [id, number]);
export const inference = (id) => rpc('attribution_inference', [id]);
export const answersOf = (datasetId, page = 0) => rpc('attribution_byDataset', [datasetId, page]);
export const rewardsOf = (address) => rpc('rewards_pending', [address]);
export const datasetEarnings = (id) => rpc('rewards_datasetEarnings', [id]);
export const datanetEarnings = (id) => rpc('rewards_datanetEarnings', [id]);

/** Every DataNet, newest first. */
export async function allDataNets() {
  const next = (await current().query.dataNets.nextDataNetId()).toNumber();
  const ids = Array.from({ length: next }, (_, i) => next - 1 - i);
  return (await Promise.all(ids.map(datanet))).filter(Boolean);
}

/** The open proposals of DataNet `id`: `[{ dataset, proposer, deposit }]`. */
export async function proposals(id) {
  const entries = await current().query.dataNets.proposals.entries(id);
  return entries.map(([key, value]) => {
    const proposal = value.unwrap();
    return {
      dataset: key.args[1].toNumber(), proposer: proposal.proposer.toString(), deposit: proposal.deposit.toBigInt(),
      proposedAt: proposal.proposedAt.toNumber(), version: proposal.version.toNumber(),
      validation: validationOf(proposal.validation),
    };
  });
}

/**
 * A proposal's validation as plain data: `{ kind: 'notRequired' | 'pending' | 'scored' | 'unscored' }`, with the job
 * id while pending and the committee's report and score once scored (docs/VALIDATION.md defines each part).
 */
export function validationOf(validation) {
  if (validation.isPending) return { kind: 'pending', job: validation.asPending.toNumber() };
  if (validation.isScored) {
    const { report, score } = validation.asScored;
    return { kind: 'scored', score: score.toNumber(), report: report.toJSON() };
  }
  return { kind: validation.isUnscored ? 'unscored' : 'notRequired' };
}

/** The most recent `count` inference requests (ids newest first) with their state, skipping pruned ones. */
export async function recentInferences(count = 30) {
  const next = (await current().query.attribution.nextRequestId()).toNumber();
  const ids = Array.from({ length: Math.min(count, next) }, (_, i) => next - 1 - i);
  const found = await Promise.all(ids.map((id) => inference(id).then((r) => r && { id, ...r })));
  return found.filter(Boolean);
}

/** The ids of the datasets `address` owns. */
export async function datasetsOwnedBy(address) {
  const entries = await current().query.datasets.datasets.entries();
  return entries.filter(([, value]) => value.unwrap().owner.toString() === address)
    .map(([key]) => key.args[0].toNumber()).sort((a, b) => a - b);
}
