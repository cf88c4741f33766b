// Answers and credit: the recent answers of a model or a DataNet (or one request), each with its question, its
// answer and a bar per credited dataset (its share of the contributors' part of the fee).
import * as chain from '../chain.mjs';
import { datasetMetadata, escapeHtml, formatOpen, percent } from '../format.mjs';

const ANSWERED = new Set(['answered', 'reviewing', 'committing', 'revealing', 'challengeable', 'challenged', 'paid']);

export async function renderAnswers(view, query) {
  const filter = { model: query.get('model'), datanet: query.get('datanet'), request: query.get('request') };
  let found;
  if (filter.request !== null) {
    const one = await chain.inference(Number(filter.request));
    found = one ? [one] : [];
  } else {
    found = (await chain.recentInferences(50)).filter((r) =>
      (filter.model === null || String(r.model) === filter.model) && (filter.datanet === null || String(r.datanet) === filter.datanet));
  }
  const titles = new Map();
  const title = async (id) => {
    if (!titles.has(id)) titles.set(id, datasetMetadata((await chain.dataset(id))?.metadata ?? '0x').title ?? `dataset ${id}`);
    return titles.get(id);
  };
  const cards = await Promise.all(found.map(async (r) => {
    const weights = r.weights ?? r.submittedWeights ?? [];
    const bars = await Promise.all(weights.map(async ({ dataset, bps }) => `
      <div class="bar" data-dataset="${dataset}" data-bps="${bps}"><span class="label"><a href="#/dataset/${dataset}">${escapeHtml(await title(dataset))}</a></span>
        <span class="track"><span class="fill" style="width:${(bps / 100).toFixed(2)}%"></span></span><span class="value">${percent(bps)}</span></div>`));
    return `<article class="answer" data-request="${r.id}">
      <header>Request ${r.id} · model ${r.model} · DataNet ${r.datanet} v${r.version} · <b class="status">${escapeHtml(r.status)}</b>${r.verdict ? ` (${escapeHtml(r.verdict)})` : ''} · fee ${formatOpen(r.fee)}</header>
      <p class="question">${escapeHtml(r.prompt ?? '(pruned)')}</p>
      <p class="output">${r.output !== null ? escapeHtml(r.output) : ANSWERED.has(r.status) ? '' : '<i>not answered yet</i>'}</p>
      <div class="credit">${weights.length ? bars.join('') : '<i>no credit yet</i>'}</div></article>`;
  }));
  view.innerHTML = `
    <h2>Answers and credit</h2>
    <form id="answers-filter"><label>Model <input name="model" value="${escapeHtml(filter.model ?? '')}" size="4"></label>
      <label>DataNet <input name="datanet" value="${escapeHtml(filter.datanet ?? '')}" size="4"></label> <button>Show</button></form>
    <div id="answers">${cards.join('') || '<p class="empty">No answers.</p>'}</div>`;
  view.querySelector('#answers-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const params = new URLSearchParams([...form].filter(([, v]) => v !== ''));
    location.hash = `#/answers${params.size ? `?${params}` : ''}`;
  });
}
