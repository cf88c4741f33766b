// Curate: the open proposals of a DataNet, each with its size, rows, licence, source and how near it is to the
// current members (the chain's near-duplicate rule) and, on a DataNet that validates, its validation committee's
// report and score against the policy's minimum; a curator approves, or rejects with a reason.
import * as chain from '../chain.mjs';
import { sketchSimilarity } from '../content.mjs';
import { datasetMetadata, escapeHtml, formatBytes, formatOpen, percent, shortAddress } from '../format.mjs';
import { signAndSend } from '../sign.mjs';

/** Reason codes of `dataNets.reject`, as the app and docs/CONTRIBUTING-DATA.md name them. */
export const REJECT_REASONS = ['other', 'off topic', 'duplicate', 'low quality', 'licence', 'malformed'];

export async function renderCurate(view, datanetId, { account, say, refresh }) {
  const api = chain.current();
  const datanet = await chain.datanet(datanetId);
  if (!datanet) {
    view.innerHTML = `<p class="error">DataNet ${escapeHtml(datanetId)} does not exist.</p>`;
    return;
  }
  const threshold = api.consts.dataNets.nearDuplicateThreshold.toNumber();
  const memberIds = await chain.members(datanet.id, datanet.version);
  const sketches = await Promise.all(memberIds.map(async (id) => [id, (await api.query.datasets.datasets(id)).unwrap().sketch.map((v) => v.toNumber())]));
  const open = await Promise.all((await chain.proposals(datanet.id)).map(async (p) => {
    const record = await api.query.datasets.datasets(p.dataset);
    return { ...p, info: await chain.dataset(p.dataset), sketch: record.unwrap().sketch.map((v) => v.toNumber()) };
  }));
  // Each proposal's most similar current member or other open proposal (two near copies proposed together).
  const others = [...sketches.map(([id, sketch]) => ({ id, kind: 'member', sketch })),
    ...open.map((p) => ({ id: p.dataset, kind: 'proposal', sketch: p.sketch }))];
  const queue = open.map((p) => ({
    ...p,
    nearest: others.filter((o) => o.id !== p.dataset).map((o) => ({ ...o, similarity: sketchSimilarity(p.sketch, o.sketch) }))
      .sort((a, b) => b.similarity - a.similarity)[0],
  }));
  const isCurator = datanet.curators.includes(account()?.address);
  view.innerHTML = `
    <h2>Curate <a href="#/datanet/${datanet.id}">${escapeHtml(datanet.name)}</a> <small>DataNet ${datanet.id}</small></h2>
    ${isCurator ? '' : '<p class="warning">The selected account is not a curator of this DataNet: the chain will refuse its decisions (dataNets.NotCurator).</p>'}
    ${queue.length === 0 ? '<p class="empty" id="queue-empty">No open proposals.</p>' : ''}
    <table id="queue"><thead><tr><th>Dataset</th><th>Title</th><th>Proposer</th><th>Rows</th><th>Size</th><th>Licence</th><th>Source</th><th>Most similar</th><th>Validation</th><th>Decision</th></tr></thead><tbody>
    ${queue.map((p) => {
      const warn = p.nearest && p.nearest.similarity > threshold;
      return `<tr data-dataset="${p.dataset}">
        <td><a href="#/dataset/${p.dataset}">${p.dataset}</a></td><td>${escapeHtml(datasetMetadata(p.info.metadata).title ?? '(untitled)')}</td>
        <td title="${escapeHtml(p.info.owner)}">${shortAddress(p.info.owner)}</td><td>${p.info.rows}</td><td>${formatBytes(p.info.bytes)}</td>
        <td>${escapeHtml(p.info.licence)}</td>
        <td>${p.info.source === 'uri' ? escapeHtml(p.info.uri ?? '') : `${p.info.uploadedPieces ?? 0} / ${p.info.pieces.length} pieces`}${p.info.available ? '' : ' <b class="warning">(not all uploaded)</b>'}</td>
        <td class="${warn ? 'warning' : ''}">${p.nearest ? `${percent(p.nearest.similarity / 100)} like ${p.nearest.kind} ${p.nearest.id}${warn ? ' — near duplicate' : ''}` : '—'}</td>
        ${validationCell(p.validation, datanet.validation)}
        <td><button class="approve">Approve</button>
          <select class="reason">${REJECT_REASONS.map((r, i) => `<option value="${i}">${r}</option>`).join('')}</select>
          <button class="reject">Reject</button> <small>deposit ${formatOpen(p.deposit ?? 0)}</small></td></tr>`;
    }).join('')}</tbody></table>`;
  for (const row of view.querySelectorAll('#queue tbody tr')) {
    const dataset = Number(row.dataset.dataset);
    row.querySelector('.approve').addEventListener('click', () => decide(
      api.tx.dataNets.approve(datanet.id, dataset), `Approve dataset ${dataset} into DataNet ${datanet.id}`));
    row.querySelector('.reject').addEventListener('click', () => {
      const reason = Number(row.querySelector('.reason').value);
      decide(api.tx.dataNets.reject(datanet.id, dataset, reason), `Reject dataset ${dataset} (${REJECT_REASONS[reason]})`);
    });
  }
  async function decide(tx, describe) {
    try {
      const { events } = await signAndSend(tx, account(), { describe });
      const version = events.find(({ event }) => event.section === 'dataNets' && event.method === 'VersionCreated');
      await refresh();
      say(version ? `${describe}: version ${version.event.data.version} created` : `${describe}: done`, 'info');
    } catch (error) {
      say(error.message);
    }
  }
}

/**
 * The Validation cell: the committee's score against the DataNet's minimum, with the report's parts (rows parsed,
 * refused, duplicates, relevance, probe gains) beneath; "measuring" while the committee works.
 */
export function validationCell(validation, policy) {
  const min = policy?.minScore ?? 0;
  switch (validation?.kind) {
    case 'pending': return `<td class="validation">measuring (job ${validation.job})</td>`;
    case 'unscored': return `<td class="validation ${min > 0 ? 'warning' : ''}">no agreed score${min > 0 ? ' — cannot be approved' : ''}</td>`;
    case 'scored': {
      const r = validation.report;
      const low = validation.score < min;
      const usable = r.rowsParsed - r.rowsEmpty - r.rowsOtherScript - r.rowsInDatanet - r.rowsRepeated;
      return `<td class="validation ${low ? 'warning' : ''}"><b class="score">${validation.score} / 100</b>${low ? ` — below the minimum ${min}` : ` (minimum ${min})`}
        <br><small>${usable} of ${r.rowsParsed} rows usable, ${r.rowsRefused} refused, ${r.rowsInDatanet} already in the DataNet, ${r.rowsRepeated} repeated;
        relevance ${percent(r.relevanceBps)}${r.probes > 0 ? `; on ${r.probes} probe questions ${(r.answerGainMillinats / 1000).toFixed(3)} nats/token, support ${percent(r.supportGainBps)}` : '; no probe set'}</small></td>`;
    }
    default: return '<td class="validation">—</td>';
  }
}
