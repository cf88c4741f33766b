// Contribute: pick or drop a file; the page parses its rows, computes pieces, content hash and MinHash sketch
// (content.mjs — the chain's and the worker's rules), checks it against the DataNet's policy and members (a near
// duplicate is warned about before anything is paid), then registers, uploads the pieces with a progress bar and
// proposes. Everything is resumable: the chain records what was registered and uploaded, so picking the same file
// again after a reload continues where it stopped. A URI dataset is registered with its address instead of pieces.
import { u8aToHex } from '@polkadot/util';
import * as chain from '../chain.mjs';
import { CONTENT_TYPES, contentHash, contentTypeOf, countRows, minhashSketch, pieceHash, pieces, sketchSimilarity } from '../content.mjs';
import { escapeHtml, formatBytes, formatOpen, percent } from '../format.mjs';
import { dailyCount, dailyLimitBroken } from '../limits.mjs';
import { confirmAll, estimateFee, signAndSend } from '../sign.mjs';

const IN_FLIGHT = 16;
/** The app does not tokenize: it declares no chunk root (the command line does; docs/CONTRIBUTING-DATA.md). */
const NO_CHUNK_ROOT = '0x' + '00'.repeat(32);

/** Everything the page computed from a file, or the reason it cannot be sent. */
export function prepare(bytes, name, contentType) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { refusal: `${name} is not UTF-8 text` };
  }
  if (text.trim() === '') return { refusal: `${name} is blank` };
  const rows = countRows(text, contentType);
  const prepared = {
    name, bytes, rows, contentType,
    contentHash: contentHash(bytes),
    pieceHashes: pieces(bytes).map((piece) => u8aToHex(pieceHash(piece))),
    sketch: minhashSketch(bytes),
  };
  if (rows.refused > 0) {
    const listed = rows.firstRefused.map((r) => `line ${r.line}: ${r.reason}`).join('; ');
    prepared.refusal = `${rows.refused} of ${rows.refused + rows.rows} rows do not parse as ${contentType}: ${listed}`;
  } else if (rows.rows === 0) prepared.refusal = `the file has no ${contentType} rows`;
  return prepared;
}

/** The member of the DataNet's current version most like `sketch`: `{ dataset, similarity }` (Permill) or null. */
async function nearestMember(datanet, sketch) {
  const api = chain.current();
  let nearest = null;
  for (const id of await chain.members(datanet.id, datanet.version)) {
    const record = await api.query.datasets.datasets(id);
    if (record.isNone) continue;
    const similarity = sketchSimilarity(sketch, record.unwrap().sketch.map((v) => v.toNumber()));
    if (!nearest || similarity > nearest.similarity) nearest = { dataset: id, similarity };
  }
  return nearest;
}

export async function renderContribute(view, datanetId, { account, say }) {
  const api = chain.current();
  const datanet = await chain.datanet(datanetId);
  if (!datanet) {
    view.innerHTML = `<p class="error">DataNet ${escapeHtml(datanetId)} does not exist.</p>`;
    return;
  }
  const maxInline = api.consts.datasets.maxPieces.toNumber() * 64 * 1024;
  const threshold = api.consts.dataNets.nearDuplicateThreshold.toNumber();
  view.innerHTML = `
    <h2>Contribute to ${escapeHtml(datanet.name)} <small>DataNet ${datanet.id}</small></h2>
    <p>Text (one row per paragraph), JSON Lines (one object per line) or CSV (records after a header), up to
      ${formatBytes(Math.min(datanet.maxDatasetBytes, maxInline))}. Licences: ${datanet.allowedLicences.map(escapeHtml).join(', ')}.</p>
    <div id="drop" class="drop">Drop a file here or <input id="file" type="file" accept=".txt,.md,.jsonl,.ndjson,.csv,text/*"></div>
    <label>Content type <select id="content-type">${CONTENT_TYPES.map((t) => `<option>${t}</option>`).join('')}</select></label>
    <label>Title <input id="title" maxlength="100"></label>
    <label>Licence <select id="licence">${datanet.allowedLicences.map((l) => `<option>${escapeHtml(l)}</option>`).join('')}</select></label>
    <label>Hosted at (optional URI, instead of uploading) <input id="uri" placeholder="https://…"></label>
    <section id="prepared" hidden>
      <h3>What the chain will record</h3>
      <dl>
        <dt>Rows</dt><dd id="rows"></dd>
        <dt>Size</dt><dd id="size"></dd>
        <dt>Pieces</dt><dd id="pieces"></dd>
        <dt>Content hash</dt><dd id="content-hash" class="hash"></dd>
        <dt>Sketch</dt><dd id="sketch" class="hash"></dd>
      </dl>
      <p id="refusal" class="error" hidden></p>
      <p id="duplicate" class="warning" hidden></p>
      <label id="force-label" hidden><input id="force" type="checkbox"> Send it anyway (the chain will decide)</label>
      <p id="resume" class="info" hidden></p>
      <p id="estimate"></p>
      <button id="submit" disabled>Register, upload and propose</button>
      <progress id="upload-progress" value="0" max="1" hidden></progress> <span id="upload-text"></span>
      <p id="done" class="info" hidden></p>
    </section>`;
  const $ = (selector) => view.querySelector(selector);
  let prepared = null;
  let state = null;

  const show = async (file) => {
    if (!file) return;
    say('');
    $('#content-type').value = contentTypeOf(file.name);
    if (!$('#title').value) $('#title').value = file.name;
    const bytes = new Uint8Array(await file.arrayBuffer());
    await analyse(bytes, file.name);
  };
  const analyse = async (bytes, name) => {
    prepared = prepare(bytes, name, $('#content-type').value);
    $('#prepared').hidden = false;
    $('#rows').textContent = prepared.rows ? `${prepared.rows.rows} parsed, ${prepared.rows.refused} refused` : '—';
    $('#size').textContent = formatBytes(bytes.length);
    $('#pieces').textContent = prepared.pieceHashes ? String(prepared.pieceHashes.length) : '—';
    $('#content-hash').textContent = prepared.contentHash ?? '—';
    $('#sketch').textContent = prepared.sketch ? prepared.sketch.slice(0, 4).join(', ') + ', …' : '—';
    state = await chainState(bytes);
    const refusals = [];
    if (prepared.refusal) refusals.push(prepared.refusal);
    if (datanet.status !== 'open') refusals.push(`DataNet ${datanet.id} is ${datanet.status}`);
    if (bytes.length > datanet.maxDatasetBytes) refusals.push(`${formatBytes(bytes.length)} is more than the DataNet's ${formatBytes(datanet.maxDatasetBytes)} (dataNets.DatasetTooLarge)`);
    if (!state.proposed && !state.finished) {
      // The DataNet's per-account daily limits, on the count the chain keeps for this account today.
      const { counted, today, dayLength, best } = await dailyCount(api, datanet.id, account().address);
      const broken = dailyLimitBroken(datanet, counted, today, bytes.length);
      const wait = dayLength - (best % dayLength);
      if (broken?.limit === 'proposals') refusals.push(`you have made ${broken.current.proposals} proposals to this DataNet today, its limit per account (dataNets.DailyProposalLimitReached); the count starts again in ${wait} blocks`);
      if (broken?.limit === 'bytes') refusals.push(`${formatBytes(bytes.length)} more would take you over the ${formatBytes(datanet.maxBytesPerDay)} per account per day (dataNets.DailyByteLimitReached); the count starts again in ${wait} blocks`);
    }
    if (!$('#uri').value && bytes.length > maxInline) refusals.push(`${formatBytes(bytes.length)} is more than the ${formatBytes(maxInline)} the chain stores inline: host it and give its URI`);
    $('#refusal').hidden = refusals.length === 0;
    $('#refusal').textContent = refusals.length ? `Not sendable: ${refusals.join('; ')}. Nothing was sent.` : '';
    const near = prepared.sketch && !state.member ? await nearestMember(datanet, prepared.sketch) : null;
    const isNear = near && near.similarity > threshold;
    $('#duplicate').hidden = !isNear;
    $('#force-label').hidden = !isNear;
    $('#force').checked = false;
    if (isNear) {
      $('#duplicate').textContent = `Near duplicate: ${percent(near.similarity / 100)} of its sketch matches dataset ${near.dataset}, a member of this DataNet;`
        + ` the chain refuses more than ${percent(threshold / 100)} (dataNets.NearDuplicate). Nothing will be sent unless you tick "Send it anyway".`;
    }
    $('#resume').hidden = !state.note;
    $('#resume').textContent = state.note ?? '';
    const sendable = refusals.length === 0 && !state.finished;
    $('#submit').disabled = !sendable;
    $('#estimate').textContent = sendable ? `Estimated fees: ${formatOpen(await estimate())} plus deposits held while registered and proposed.` : '';
  };
  // What the chain already has for this content: registered (by whom), pieces uploaded, proposed or a member.
  const chainState = async (bytes) => {
    if (!prepared.contentHash) return {};
    const found = await api.query.datasets.datasetByContent(prepared.contentHash);
    if (found.isNone) return {};
    const id = found.unwrap().toNumber();
    const record = (await api.query.datasets.datasets(id)).unwrap();
    if (record.owner.toString() !== account().address) {
      prepared.refusal = `this content is already registered as dataset ${id}, owned by ${record.owner} (datasets.DuplicateContent)`;
      return { finished: true };
    }
    const uploaded = new Set((await api.query.datasets.uploadedPieces.keys(id)).map((k) => k.args[1].toNumber()));
    const member = (await chain.members(datanet.id, datanet.version)).includes(id);
    const proposed = (await api.query.dataNets.proposals(datanet.id, id)).isSome;
    const missing = prepared.pieceHashes.map((_, i) => i).filter((i) => record.source.isInline && !uploaded.has(i));
    if (member) return { id, member, finished: true, note: `Already a member of DataNet ${datanet.id} as dataset ${id}.` };
    if (proposed && missing.length === 0) return { id, finished: true, note: `Already proposed as dataset ${id}; waiting for a curator.` };
    return { id, missing, proposed, bytes, note: `Dataset ${id} is registered with ${uploaded.size} of ${prepared.pieceHashes.length} pieces uploaded: sending continues from there.` };
  };
  const registerCall = () => {
    const uri = $('#uri').value.trim();
    const source = uri ? { Uri: uri } : { Inline: { pieceHashes: prepared.pieceHashes } };
    const metadata = JSON.stringify({ title: $('#title').value || prepared.name, format: prepared.contentType });
    return api.tx.datasets.register(prepared.contentHash, NO_CHUNK_ROOT, prepared.rows.rows, prepared.bytes.length,
      $('#licence').value, prepared.sketch, source, metadata);
  };
  const estimate = async () => {
    let total = 0n;
    if (state.id === undefined) total += await estimateFee(registerCall(), account());
    const uploads = state.id === undefined ? ($('#uri').value.trim() ? [] : prepared.pieceHashes.map((_, i) => i)) : state.missing;
    if (uploads.length) total += BigInt(uploads.length) * await estimateFee(uploadCall(0, uploads[0]), account());
    if (!state.proposed) total += await estimateFee(api.tx.dataNets.propose(datanet.id, state.id ?? 0), account());
    return total;
  };
  const uploadCall = (id, index) => api.tx.datasets.uploadPiece(id, index,
    u8aToHex(prepared.bytes.subarray(index * 64 * 1024, (index + 1) * 64 * 1024)));

  $('#file').addEventListener('change', (event) => show(event.target.files[0]).catch((e) => say(e.message)));
  $('#drop').addEventListener('dragover', (event) => event.preventDefault());
  $('#drop').addEventListener('drop', (event) => {
    event.preventDefault();
    show(event.dataTransfer.files[0]).catch((e) => say(e.message));
  });
  for (const id of ['#content-type', '#uri']) {
    $(id).addEventListener('change', () => prepared?.bytes && analyse(prepared.bytes, prepared.name).catch((e) => say(e.message)));
  }
  $('#submit').addEventListener('click', async () => {
    const near = !$('#duplicate').hidden;
    if (near && !$('#force').checked) {
      say('Near duplicate: tick "Send it anyway" to send it; nothing was sent.');
      return;
    }
    $('#submit').disabled = true;
    try {
      const fee = await estimate();
      await submit(fee);
    } catch (error) {
      say(error.message);
    } finally {
      await analyse(prepared.bytes, prepared.name).catch(() => {});
    }
  });

  const submit = async (fee) => {
    const who = account();
    if (!(await confirmAll(`Register, upload and propose ${prepared.name} to DataNet ${datanet.id}`, fee))) throw new Error('cancelled: nothing was signed');
    let id = state.id;
    if (id === undefined) {
      const { events } = await signAndSend(registerCall(), who, { confirmed: true });
      id = events.find(({ event }) => event.section === 'datasets' && event.method === 'DatasetRegistered').event.data.dataset.toNumber();
      state = { id, missing: $('#uri').value.trim() ? [] : prepared.pieceHashes.map((_, i) => i), proposed: false };
    }
    const missing = state.missing ?? [];
    const progress = $('#upload-progress');
    progress.hidden = missing.length === 0;
    progress.max = prepared.pieceHashes.length;
    let done = prepared.pieceHashes.length - missing.length;
    const tick = () => {
      progress.value = done;
      $('#upload-text').textContent = `${done} / ${prepared.pieceHashes.length} pieces on chain`;
    };
    tick();
    for (let start = 0; start < missing.length; start += IN_FLIGHT) {
      const nonce = (await api.rpc.system.accountNextIndex(who.address)).toNumber();
      await Promise.all(missing.slice(start, start + IN_FLIGHT).map((index, i) =>
        signAndSend(uploadCall(id, index), who, { confirmed: true, nonce: nonce + i }).then(() => { done++; tick(); })));
    }
    if (!state.proposed) await signAndSend(api.tx.dataNets.propose(datanet.id, id), who, { confirmed: true });
    $('#done').hidden = false;
    $('#done').textContent = `Dataset ${id} is proposed to DataNet ${datanet.id}: a curator decides next.`;
    say(`dataset ${id} proposed`, 'info');
  };
}
