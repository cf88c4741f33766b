// A DataNet policy's per-account daily limits, as the chain applies them (`DailyContribution::add` in
// primitives/src/dataset.rs): the day is the block number divided by `dataNets.dayLength`; a count of an earlier
// day counts nothing; 0 means no limit; withdrawn and rejected proposals count.

/** Which limit one more proposal of `bytes` would break: 'proposals', 'bytes' or null. */
export function dailyLimitBroken(policy, counted, today, bytes) {
  const current = counted && counted.day === today ? counted : { day: today, proposals: 0, bytes: 0n };
  const [maxProposals, maxBytes] = [policy.maxProposalsPerDay ?? 0, BigInt(policy.maxBytesPerDay ?? 0)];
  if (maxProposals !== 0 && current.proposals + 1 > maxProposals) return { limit: 'proposals', current };
  if (maxBytes !== 0n && BigInt(current.bytes) + BigInt(bytes) > maxBytes) return { limit: 'bytes', current };
  return null;
}

/** What `who` proposed to `datanet` today, and today: `{ counted, today, dayLength, best }`. */
export async function dailyCount(api, datanet, who) {
  // A runtime from before the daily limits has no count to read.
  if (!api.query.dataNets.dailyContributions) return { counted: null, today: 0, dayLength: 1, best: 0 };
  const dayLength = api.consts.dataNets.dayLength.toNumber();
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const found = await api.query.dataNets.dailyContributions(datanet, who);
  const counted = found.isSome
    ? { day: found.unwrap().day.toNumber(), proposals: found.unwrap().proposals.toNumber(), bytes: found.unwrap().bytes.toBigInt() }
    : null;
  return { counted, today: Math.floor(best / Math.max(1, dayLength)), dayLength, best };
}
