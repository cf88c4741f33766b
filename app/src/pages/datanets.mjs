// DataNets: the list (with search) and the create form; one DataNet (policy, curators, every version with its root
// and members, datasets with metadata); one dataset (its record, earnings and the answers that credited it).
import * as chain from '../chain.mjs';
import { datasetMetadata, escapeHtml, formatBytes, formatOpen, parseOpen, percent, shortAddress } from '../format.mjs';
import { signAndSend } from '../sign.mjs';

const VERSIONS_SHOWN = 100;

export async function renderList(view, { account, say }) {
  const datanets = await chain.allDataNets();
  view.innerHTML = `
    <h2>DataNets</h2>
    <input id="search" type="search" placeholder="Search by name" aria-label="Search DataNets">
    <table id="datanets"><thead><tr><th>#</th><th>Name</th><th>Status</th><th>Datasets</th><th>Version</th><th>Open proposals</th></tr></thead>
    <tbody>${datanets.map((d) => `<tr data-name="${escapeHtml(d.name.toLowerCase())}">
      <td>${d.id}</td><td><a href="#/datanet/${d.id}">${escapeHtml(d.name)}</a></td><td>${escapeHtml(d.status)}</td>
      <td>${d.datasetCount} / ${d.maxDatasets}</td><td>${d.version}</td><td>${d.openProposals}</td></tr>`).join('')}</tbody></table>
    ${datanets.length === 0 ? '<p class="empty">No DataNet yet.</p>' : ''}
    <h3>Create a DataNet</h3>
    <form id="create-form">
      <label>Name <input id="create-name" required maxlength="64"></label>
      <label>Description <input id="create-description" maxlength="200"></label>
      <label>Licences (comma-separated) <input id="create-licences" value="CC-BY-4.0"></label>
      <label>Largest dataset (bytes) <input id="create-max-bytes" type="number" min="1" value="1048576"></label>
      <label>Most datasets <input id="create-max-datasets" type="number" min="1" value="100"></label>
      <label>Proposal deposit (OPEN) <input id="create-deposit" value="1"></label>
      <label>Proposals per account per day (0: no limit) <input id="create-daily-proposals" type="number" min="0" value="0"></label>
      <label>Bytes per account per day (0: no limit) <input id="create-daily-bytes" type="number" min="0" value="0"></label>
      <button id="create" type="submit">Create</button>
    </form>`;
  view.querySelector('#search').addEventListener('input', (event) => {
    const needle = event.target.value.trim().toLowerCase();
    for (const row of view.querySelectorAll('#datanets tbody tr')) row.hidden = !row.dataset.name.includes(needle);
  });
  view.querySelector('#create-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const api = chain.current();
    const value = (id) => view.querySelector(id).value;
    try {
      const policy = {
        allowedLicences: value('#create-licences').split(',').map((l) => l.trim()).filter(Boolean),
        maxDatasetBytes: BigInt(value('#create-max-bytes')),
        maxDatasets: Number(value('#create-max-datasets')),
        contributionDeposit: parseOpen(value('#create-deposit')),
        maxProposalsPerDay: Number(value('#create-daily-proposals') || 0),
        maxBytesPerDay: BigInt(value('#create-daily-bytes') || 0),
      };
      const metadata = JSON.stringify({ description: value('#create-description') });
      const tx = api.tx.dataNets.create(value('#create-name'), metadata, policy);
      const { events } = await signAndSend(tx, account(), { describe: `Create DataNet "${value('#create-name')}"` });
      const created = events.find(({ event }) => event.section === 'dataNets' && event.method === 'DataNetCreated');
      const id = created?.event.data[0].toNumber();
      say(`DataNet ${id} created`, 'info');
      location.hash = `#/datanet/${id}`;
    } catch (error) {
      say(error.message);
    }
  });
}

export async function renderDataNet(view, id) {
  const d = await chain.datanet(id);
  if (!d) {
    view.innerHTML = `<p class="error">DataNet ${escapeHtml(id)} does not exist.</p>`;
    return;
  }
  // Every version, newest first — at most the latest VERSIONS_SHOWN, so a long history costs a bounded number of reads.
  const numbers = Array.from({ length: Math.min(d.version + 1, VERSIONS_SHOWN) }, (_, i) => d.version - i);
  const versions = (await Promise.all(numbers.map(async (v) => {
    const found = await chain.version(id, v);
    return found && { ...found, members: await chain.members(id, v) };
  }))).filter(Boolean);
  const current = versions.find((v) => v.version === d.version)?.members ?? [];
  const datasets = await Promise.all(current.map(chain.dataset));
  const earnings = await chain.datanetEarnings(id);
  const description = datasetMetadata(d.metadata).description ?? '';
  view.innerHTML = `
    <h2 id="datanet-name">${escapeHtml(d.name)} <small>DataNet ${d.id}</small></h2>
    <p>${escapeHtml(description)}</p>
    <nav class="actions"><a href="#/contribute/${d.id}">Contribute a dataset</a> <a href="#/curate/${d.id}">Curate (${d.openProposals} open)</a>
      <a href="#/answers?datanet=${d.id}">Answers</a></nav>
    <dl id="policy">
      <dt>Status</dt><dd>${escapeHtml(d.status)}</dd>
      <dt>Owner</dt><dd title="${escapeHtml(d.owner)}">${shortAddress(d.owner)}</dd>
      <dt>Curators</dt><dd id="curators">${d.curators.map((c) => `<span title="${escapeHtml(c)}">${shortAddress(c)}</span>`).join(', ')}</dd>
      <dt>Licences</dt><dd>${d.allowedLicences.map(escapeHtml).join(', ')}</dd>
      <dt>Largest dataset</dt><dd>${formatBytes(d.maxDatasetBytes)}</dd>
      <dt>Datasets</dt><dd>${d.datasetCount} of at most ${d.maxDatasets}</dd>
      <dt>Per account per day</dt><dd id="daily-limits">${[d.maxProposalsPerDay ? `${d.maxProposalsPerDay} proposals` : 'any number of proposals',
        d.maxBytesPerDay ? formatBytes(d.maxBytesPerDay) : 'any size'].join(', ')}</dd>
      <dt>Earned</dt><dd>${formatOpen(earnings.total)} over ${earnings.answers} answers</dd>
    </dl>
    <h3>Datasets in version ${d.version}</h3>
    <table id="members"><thead><tr><th>#</th><th>Title</th><th>Owner</th><th>Rows</th><th>Size</th><th>Licence</th></tr></thead><tbody>
    ${datasets.filter(Boolean).map((s) => `<tr><td>${s.id}</td><td><a href="#/dataset/${s.id}">${escapeHtml(datasetMetadata(s.metadata).title ?? '(untitled)')}</a></td>
      <td title="${escapeHtml(s.owner)}">${shortAddress(s.owner)}</td><td>${s.rows}</td><td>${formatBytes(s.bytes)}</td><td>${escapeHtml(s.licence)}</td></tr>`).join('')}
    </tbody></table>
    <h3>Versions${d.version + 1 > VERSIONS_SHOWN ? ` (the latest ${VERSIONS_SHOWN} of ${d.version + 1})` : ''}</h3>
    <table id="versions"><thead><tr><th>Version</th><th>Root</th><th>Members</th><th>Created at block</th></tr></thead><tbody>
    ${versions.map((v) => `<tr><td>${v.version}</td><td class="hash">${escapeHtml(v.root)}</td><td>${v.members.join(', ')}</td><td>${v.createdAt}</td></tr>`).join('')}
    </tbody></table>`;
}

export async function renderDataset(view, id) {
  const s = await chain.dataset(id);
  if (!s) {
    view.innerHTML = `<p class="error">Dataset ${escapeHtml(id)} does not exist.</p>`;
    return;
  }
  const earnings = await chain.datasetEarnings(id);
  const page = await chain.answersOf(id, 0);
  const answers = await Promise.all(page.answers.map(async ({ request, bps }) => ({ request, bps, found: await chain.inference(request) })));
  const meta = datasetMetadata(s.metadata);
  view.innerHTML = `
    <h2>${escapeHtml(meta.title ?? '(untitled)')} <small>dataset ${s.id}</small></h2>
    <dl>
      <dt>Owner</dt><dd title="${escapeHtml(s.owner)}">${shortAddress(s.owner)}</dd>
      <dt>Content hash</dt><dd class="hash">${escapeHtml(s.contentHash)}</dd>
      <dt>Rows</dt><dd>${s.rows}</dd><dt>Size</dt><dd>${formatBytes(s.bytes)}</dd>
      <dt>Licence</dt><dd>${escapeHtml(s.licence)}</dd>
      <dt>Source</dt><dd>${s.source === 'uri' ? escapeHtml(s.uri ?? '') : `inline, ${s.uploadedPieces ?? 0} of ${s.pieces.length} pieces uploaded`}</dd>
      <dt>Earned</dt><dd id="dataset-earned">${formatOpen(earnings.total)} over ${earnings.answers} answers</dd>
    </dl>
    <h3>Answers that credited it (${page.total})</h3>
    <ul id="dataset-answers">${answers.map(({ request, bps, found }) => `<li data-request="${request}"><b>${percent(bps)}</b> of
      <a href="#/answers?request=${request}">answer ${request}</a>: ${escapeHtml(found?.prompt ?? '(pruned)')}</li>`).join('')}</ul>`;
}
