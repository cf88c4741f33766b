// Earnings and claim: the account's pending and claimed OPEN, what each of its datasets earned, a chart of what it
// was credited over the recent blocks, and a claim that shows beforehand what arrives after the fee.
import * as chain from '../chain.mjs';
import { datasetMetadata, escapeHtml, formatOpen } from '../format.mjs';
import { estimateFee, signAndSend } from '../sign.mjs';

/** How far back the chart reads `rewards.DatasetCredited` events. */
const CHART_BLOCKS = 600;

/** `[{ block, amount }]`: what `address` was credited in each of the last `blocks` blocks that credited it. */
async function creditsOver(api, address, blocks) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const from = Math.max(1, best - blocks + 1);
  const numbers = Array.from({ length: best - from + 1 }, (_, i) => from + i);
  const credits = [];
  for (let i = 0; i < numbers.length; i += 50) {
    const slice = numbers.slice(i, i + 50);
    const found = await Promise.all(slice.map(async (n) => {
      const at = await api.at(await api.rpc.chain.getBlockHash(n));
      let amount = 0n;
      for (const { event } of await at.query.system.events()) {
        if (event.section === 'rewards' && event.method === 'DatasetCredited' && event.data.owner.toString() === address) amount += event.data.amount.toBigInt();
      }
      return { block: n, amount };
    }));
    credits.push(...found.filter((c) => c.amount > 0n));
  }
  return { from, best, credits };
}

function chart({ from, best, credits }) {
  const width = 600;
  const height = 160;
  let total = 0n;
  const points = [[from, total]];
  for (const { block, amount } of credits) {
    points.push([block, total]);
    total += amount;
    points.push([block, total]);
  }
  points.push([best, total]);
  const max = Number(total) || 1;
  const margin = 12;
  const x = (block) => margin + ((block - from) / Math.max(1, best - from)) * (width - 2 * margin);
  const y = (value) => height - margin - (Number(value) / max) * (height - 2 * margin);
  const path = points.map(([b, v], i) => `${i ? 'L' : 'M'}${x(b).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return `<svg id="earnings-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="OPEN credited over blocks ${from}–${best}">
    <path d="${path}" fill="none" stroke="currentColor" stroke-width="2"/>
    <text x="${margin}" y="${margin - 2}" font-size="10" fill="#556">${formatOpen(total)}</text>
    <text x="${width - margin}" y="${height - 2}" font-size="10" fill="#556" text-anchor="end">block ${best}</text></svg>
    <p class="axis">blocks ${from}–${best}: ${credits.length} credit${credits.length === 1 ? '' : 's'}, ${formatOpen(total)} in this window</p>`;
}

export async function renderEarnings(view, { account, say, refresh }) {
  const api = chain.current();
  const who = account();
  if (!who) {
    view.innerHTML = '<p class="warning">Connect a wallet or choose an account to see its earnings.</p>';
    return;
  }
  const rewards = await chain.rewardsOf(who.address);
  const owned = await chain.datasetsOwnedBy(who.address);
  const rows = await Promise.all(owned.map(async (id) => ({ id, earnings: await chain.datasetEarnings(id), meta: datasetMetadata((await chain.dataset(id))?.metadata ?? '0x') })));
  const pending = BigInt(rewards.pending);
  const fee = pending > 0n ? await estimateFee(api.tx.rewards.claim(), who) : 0n;
  const history = await creditsOver(api, who.address, CHART_BLOCKS);
  view.innerHTML = `
    <h2>Earnings of ${escapeHtml(who.name)}</h2>
    <dl><dt>Pending</dt><dd id="pending" data-planck="${pending}">${formatOpen(pending)}</dd>
      <dt>Claimed</dt><dd id="claimed" data-planck="${rewards.claimed}">${formatOpen(rewards.claimed)}</dd></dl>
    <p id="claim-preview">${pending > 0n ? `Claiming pays an estimated fee of ${formatOpen(fee)}: about <b>${formatOpen(pending - fee)}</b> arrives.` : 'Nothing to claim.'}</p>
    <button id="claim" ${pending > 0n ? '' : 'disabled'}>Claim ${formatOpen(pending)}</button>
    <p id="claim-result" class="info" hidden></p>
    <h3>Credited over the last ${CHART_BLOCKS} blocks</h3>${chart(history)}
    <h3>Per dataset</h3>
    <table id="per-dataset"><thead><tr><th>Dataset</th><th>Title</th><th>Earned</th><th>Answers</th></tr></thead><tbody>
    ${rows.map((r) => `<tr data-dataset="${r.id}"><td><a href="#/dataset/${r.id}">${r.id}</a></td><td>${escapeHtml(r.meta.title ?? '(untitled)')}</td>
      <td data-planck="${r.earnings.total}">${formatOpen(r.earnings.total)}</td><td>${r.earnings.answers}</td></tr>`).join('')}</tbody></table>`;
  view.querySelector('#claim').addEventListener('click', async () => {
    try {
      const { blockHash, events, fee: paid } = await signAndSend(api.tx.rewards.claim(), who, { describe: `Claim ${formatOpen(pending)}` });
      const claimed = events.find(({ event }) => event.section === 'rewards' && event.method === 'Claimed').event.data.amount.toBigInt();
      // The balance just before and just after the claim's block: exactly what the claim moved.
      const free = async (hash) => (await (await api.at(hash)).query.system.account(who.address)).data.free.toBigInt();
      const before = await free((await api.rpc.chain.getHeader(blockHash)).parentHash);
      const after = await free(blockHash);
      await refresh();
      const result = document.querySelector('#claim-result');
      result.hidden = false;
      result.dataset.arrived = String(after - before);
      result.textContent = `Claimed ${formatOpen(claimed)}; the fee was ${formatOpen(paid)}: ${formatOpen(claimed - paid)} arrived (free balance ${formatOpen(before)} → ${formatOpen(after)}).`;
    } catch (error) {
      say(error.message);
    }
  });
}
