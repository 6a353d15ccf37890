// main.js: the tracker's entry point. One page, three views chosen by
// location.pathname (the gateway serves index.html for each): the overview
// at "/", a transfer at "/transfers/{id}", an account at
// "/accounts/{chain}/{address}". Links marked data-nav change the view
// through the history API instead of loading the page again.

import { getJSON } from './api.js';
import { ADDRESS_RE, TRANSFER_ID_RE } from './format.js';
import { overviewView } from './overview.js';
import { transferView } from './transfer.js';
import { accountView } from './account.js';
import { h, replace } from './dom.js';
import { Scope } from './scope.js';

// HEALTH_POLL_MS: how often the header re-reads /v1/reconciliation.
const HEALTH_POLL_MS = 5000;

const routes = [
  { re: /^\/$/, view: () => overviewView },
  { re: /^\/transfers\/([^/]+)$/, view: () => transferView },
  { re: /^\/accounts\/([^/]+)\/([^/]+)$/, view: () => accountView },
];

const ui = {
  view: document.getElementById('view'),
  conn: document.getElementById('conn'),
  health: document.getElementById('health'),
  // setConn shows the state of the current view's feed.
  setConn(state, detail) {
    ui.conn.dataset.conn = state;
    ui.conn.textContent = `Feed: ${state}`;
    ui.conn.title = detail || 'The live feed (/v1/stream)';
  },
  // chainIds lists the chains the gateway serves (cached after the first
  // read); the search box needs one for an address.
  chainIds: null,
};

let current = null;

function render(focus) {
  current?.stop();
  const scope = new Scope();
  current = scope;
  const path = location.pathname;
  replace(ui.view);
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      r.view()(scope, ui, ...m.slice(1).map(decode));
      if (focus) ui.view.focus();
      return;
    }
  }
  document.title = 'Not found · Causeway tracker';
  replace(ui.view, h('section', { class: 'panel' }, h('h1', {}, 'Not found'),
    h('p', {}, 'There is no page here. ', h('a', { href: '/', 'data-nav': true }, 'Back to the overview'), '.')));
}

// decode undoes percent-encoding in a path segment; a malformed one is
// kept as it is, and the view then says it is not an id.
function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function navigate(href) {
  if (href === location.pathname) return;
  history.pushState(null, '', href);
  render(true);
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest?.('a[data-nav]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  ev.preventDefault();
  navigate(url.pathname);
});

window.addEventListener('popstate', () => render(true));

// ---- search ----

const form = document.getElementById('search');
const input = document.getElementById('search-input');
const searchError = document.getElementById('search-error');

function searchFailed(msg) {
  searchError.textContent = msg;
  searchError.hidden = false;
  input.setAttribute('aria-invalid', 'true');
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  searchError.hidden = true;
  input.removeAttribute('aria-invalid');
  const q = input.value.trim();
  if (TRANSFER_ID_RE.test(q.toLowerCase())) {
    navigate(`/transfers/${q.toLowerCase()}`);
    return;
  }
  if (ADDRESS_RE.test(q)) {
    const m = /^\/accounts\/([^/]+)\//.exec(location.pathname);
    let chain = m?.[1];
    try {
      chain ??= (await chainIds())[0];
    } catch (err) {
      searchFailed(`Cannot read the chains to look the account up: ${err.message}`);
      return;
    }
    if (!chain) {
      searchFailed('The gateway serves no chain.');
      return;
    }
    navigate(`/accounts/${chain}/${q.toLowerCase()}`);
    return;
  }
  searchFailed('Enter a transfer id such as alpha.beta.42 or alpha.beta.0x…, or an account address: 0x and 40 hex digits.');
});

async function chainIds() {
  if (!ui.chainIds) ui.chainIds = (await getJSON('/v1/chains')).chains.map((c) => c.id);
  return ui.chainIds;
}
ui.getChainIds = chainIds;

// ---- health ----

// The header reads /v1/reconciliation for every view; the overview's
// panel listens instead of reading it a second time.
const reconListeners = new Set();
let lastRecon = null;

// watchReconciliation calls fn with each read ({report} or {error}), the
// latest one at once; it returns the function that stops the calls.
ui.watchReconciliation = (fn) => {
  reconListeners.add(fn);
  if (lastRecon) fn(lastRecon);
  return () => reconListeners.delete(fn);
};

function showHealth(r) {
  const checks = r.results?.length || 0;
  const broken = (r.results || []).filter((x) => !x.ok);
  ui.health.dataset.health = r.ok ? (checks ? 'ok' : 'none') : 'broken';
  ui.health.textContent = r.ok ? (checks ? 'Reconciliation: ok' : 'Reconciliation: no checks yet')
    : `Reconciliation: BROKEN (${broken.length})`;
  ui.health.title = r.ok ? `${checks} route/denomination checks hold`
    : broken.map((x) => `${x.src}→${x.dst} ${x.denom}: ${x.detail || 'does not hold'}`).join('\n');
}

function pollHealth() {
  const scope = new Scope();
  scope.every(HEALTH_POLL_MS, async () => {
    try {
      const report = await getJSON('/v1/reconciliation');
      showHealth(report);
      lastRecon = { report };
    } catch (err) {
      ui.health.dataset.health = 'unknown';
      ui.health.textContent = 'Reconciliation: unknown';
      ui.health.title = `Cannot read /v1/reconciliation: ${err.message}`;
      lastRecon = { error: err };
    }
    for (const fn of reconListeners) fn(lastRecon);
  });
}

pollHealth();
render(false);
