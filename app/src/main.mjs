// The DataNet app: connects to a node, loads the wallet's accounts, and routes #/… to its pages.
import * as chain from './chain.mjs';
import { escapeHtml, formatOpen } from './format.mjs';
import { setConfirmer } from './sign.mjs';
import { loadAccounts } from './wallet.mjs';
import { renderDataNet, renderDataset, renderList } from './pages/datanets.mjs';
import { renderContribute } from './pages/contribute.mjs';
import { renderCurate } from './pages/curate.mjs';
import { renderAnswers } from './pages/answers.mjs';
import { renderEarnings } from './pages/earnings.mjs';

const $ = (selector) => document.querySelector(selector);
let accounts = [];
let unsubscribeBalance = () => {};

const account = () => accounts.find((a) => a.address === $('#account').value);

/** Shows `text` in the message bar (`kind`: error or info); an empty text clears it. */
function say(text, kind = 'error') {
  const bar = $('#message');
  bar.textContent = text;
  bar.dataset.kind = kind;
  bar.hidden = !text;
}

// Every signature is preceded by its fee: the dialog shows it and waits for Sign or Cancel.
setConfirmer((description, fee) => new Promise((resolve) => {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = description;
  $('#confirm-fee').textContent = formatOpen(fee);
  $('#confirm-fee').dataset.planck = String(fee);
  const done = (answer) => {
    dialog.close();
    $('#confirm-sign').onclick = null;
    $('#confirm-cancel').onclick = null;
    resolve(answer);
  };
  $('#confirm-sign').onclick = () => done(true);
  $('#confirm-cancel').onclick = () => done(false);
  dialog.showModal();
}));

let routes = 0;
/** Renders the page the hash names into a fresh element, shown only if no later navigation started meanwhile. */
async function route() {
  const generation = ++routes;
  const shown = $('#view');
  const view = document.createElement('div');
  const [path, search] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const query = new URLSearchParams(search ?? '');
  const context = { account, say, refresh: route };
  shown.dataset.state = 'loading';
  try {
    chain.current();
    const id = Number(parts[1]);
    switch (parts[0] ?? 'datanets') {
      case 'datanets': await renderList(view, context); break;
      case 'datanet': await renderDataNet(view, id); break;
      case 'dataset': await renderDataset(view, id); break;
      case 'contribute': await renderContribute(view, id, context); break;
      case 'curate': await renderCurate(view, id, context); break;
      case 'answers': await renderAnswers(view, query); break;
      case 'earnings': await renderEarnings(view, context); break;
      default: view.innerHTML = `<p class="error">No page "${escapeHtml(path)}".</p>`;
    }
  } catch (error) {
    say(error.message);
  }
  if (generation === routes) {
    shown.replaceChildren(view);
    shown.dataset.state = 'ready';
  }
}

async function showBalance() {
  unsubscribeBalance();
  unsubscribeBalance = () => {};
  const who = account();
  if (!who) {
    $('#balance').textContent = '';
    return;
  }
  unsubscribeBalance = await chain.current().query.system.account(who.address, ({ data }) => {
    $('#balance').textContent = formatOpen(data.free.toBigInt());
    $('#balance').dataset.planck = data.free.toString();
  });
}

async function start() {
  const url = $('#node').value.trim();
  say('');
  $('#status').textContent = `connecting to ${url}…`;
  try {
    const api = await chain.connect(url);
    const chainType = await api.rpc.system.chainType();
    const dev = chainType.isDevelopment || chainType.isLocal;
    const { accounts: found, extensions } = await loadAccounts(api, { dev });
    accounts = found;
    const chainName = (await api.rpc.system.chain()).toString();
    $('#status').textContent = `${chainName} at ${url} · wallets: ${extensions.length ? extensions.join(', ') : 'none found'}`;
    $('#account').innerHTML = accounts.map((a) => `<option value="${escapeHtml(a.address)}">${escapeHtml(a.name)} — ${escapeHtml(a.source)}</option>`).join('');
    const remembered = localStorage.getItem('account');
    if (accounts.some((a) => a.address === remembered)) $('#account').value = remembered;
    document.body.dataset.connected = 'true';
    await showBalance();
    await route();
  } catch (error) {
    $('#status').textContent = 'not connected';
    say(error.message);
  }
}

$('#node').value = new URLSearchParams(location.search).get('node') ?? window.OPENLEDGER_NODE ?? 'ws://127.0.0.1:9944';
$('#connect').addEventListener('click', start);
$('#account').addEventListener('change', async () => {
  localStorage.setItem('account', $('#account').value);
  await showBalance();
  await route();
});
// A new page starts without the last page's message; a page redrawn after an action keeps it.
window.addEventListener('hashchange', () => {
  say('');
  route();
});
start();
