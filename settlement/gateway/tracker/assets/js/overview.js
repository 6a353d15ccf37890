// overview.js: the front page — chains, live transfers, routes, relayers
// and the latest reconciliation.

import { getJSON, query } from './api.js';
import { h, section, replace, setText } from './dom.js';
import { Feed } from './feed.js';
import { TransferTable } from './transfers.js';
import { ChainCards } from './chains.js';
import { amount, ago, clock, duration, routeLabel, short } from './format.js';

// Polling periods. Heights move every block, so chains are read each
// second (the gateway caches the read); the rest changes slowly.
const CHAINS_POLL_MS = 1000;
const SLOW_POLL_MS = 5000;
const TICK_MS = 1000;
// RECENT_TRANSFERS is how many transfers the live table starts with.
export const RECENT_TRANSFERS = 50;
// RELOAD_DELAY_MS coalesces the snapshot reloads of several subscriptions
// that register together.
const RELOAD_DELAY_MS = 50;

const ROUTE_COLS = ['Route', 'State', 'Packets sent', 'Limits'];
const RELAYER_COLS = ['Signer', 'Chain', 'Included', 'Failed', 'Pending', 'Packets', 'Bond', 'Fees earned', 'Slashed', 'Last seen'];
const RECON_COLS = ['Route', 'Denom', 'Escrow', 'Vouchers', 'In flight', 'Result', 'Checked'];

export function overviewView(scope, ui) {
  document.title = 'Causeway tracker';
  const chains = new ChainCards();
  const table = new TransferTable({ id: 'live-transfers', caption: 'Live transfers, newest first', empty: 'No transfers yet. Submit one and watch it move.' });
  const routesBody = h('tbody');
  const relayersBody = h('tbody');
  const reconBody = h('tbody');
  const liveNote = h('p', { class: 'note', id: 'live-note' }, 'Loading…');

  replace(ui.view,
    h('h1', { class: 'visually-hidden' }, 'Overview'),
    section('chains', 'Chains', chains.element),
    section('live', 'Live transfers', liveNote, table.element),
    h('div', { class: 'columns' },
      section('routes', 'Routes', tableOf(ROUTE_COLS, routesBody, 'Routes between the chains')),
      section('relayers', 'Relayers', tableOf(RELAYER_COLS, relayersBody, 'Relay signers: their submissions, bonds, fees earned and slashings'))),
    section('reconciliation', 'Reconciliation', tableOf(RECON_COLS, reconBody, 'Latest conservation check per route and denomination')));

  scope.every(CHAINS_POLL_MS, async () => {
    try {
      chains.update((await getJSON('/v1/chains', scope)).chains, Date.now());
    } catch (err) {
      chains.unreachable(err);
    }
  });

  // The live table: the newest transfers at once, then every route's events
  // from the moment its subscription registers, with the snapshot read
  // again then so nothing between the two reads is missed. Snapshots and
  // events may cross; TransferTable.apply keeps whichever is newer.
  const reload = scope.coalesce(RELOAD_DELAY_MS, async () => {
    try {
      const page = await getJSON(query('/v1/transfers', { limit: RECENT_TRANSFERS }), scope);
      table.load(page.transfers);
      setText(liveNote, 'Each transfer moves submitted → committed on source → delivered → finished, or is refunded. Rows update as it happens.');
    } catch (err) {
      if (err.name !== 'AbortError') setText(liveNote, `Cannot read the transfers: ${err.message}`);
    }
  });
  const feed = new Feed({
    onEvent: (msg) => table.applyEvent(msg),
    onSynced: reload,
    onState: (state, detail) => ui.setConn(state, detail),
  });
  scope.onStop(() => feed.stop());
  let feedStarted = false;
  const followed = new Set();
  reload();

  scope.every(SLOW_POLL_MS, async () => {
    let routes;
    try {
      routes = (await getJSON('/v1/routes', scope)).routes;
    } catch (err) {
      replace(routesBody, errorRow(ROUTE_COLS.length, `Cannot read routes: ${err.message}`));
      if (!feedStarted) setText(liveNote, `Cannot read routes, so cannot follow transfers yet: ${err.message}`);
      return;
    }
    renderRoutes(routesBody, routes);
    for (const r of routes) {
      if (!followed.has(r.id)) {
        followed.add(r.id);
        feed.add({ route: r.id });
      }
    }
    if (!feedStarted) {
      feedStarted = true;
      if (routes.length) feed.start();
    }
  });

  scope.every(SLOW_POLL_MS, async () => {
    try {
      renderRelayers(relayersBody, (await getJSON('/v1/relayers', scope)).relayers);
    } catch (err) {
      replace(relayersBody, errorRow(RELAYER_COLS.length, `Cannot read relayers: ${err.message}`));
    }
  });
  scope.onStop(ui.watchReconciliation(({ report, error }) => {
    if (error) replace(reconBody, errorRow(RECON_COLS.length, `Cannot read the reconciliation: ${error.message}`));
    else renderReconciliation(reconBody, report.results || []);
  }));
  const tick = setInterval(() => {
    const now = Date.now();
    table.tick(now);
    chains.tick(now);
  }, TICK_MS);
  scope.onStop(() => clearInterval(tick));
}

export function tableOf(columns, body, caption) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      body));
}

// row builds a row whose cells carry their column name, which narrow
// screens show in front of each value.
function row(columns, values, attrs = {}) {
  return h('tr', attrs, values.map((v, i) => h('td', { 'data-label': columns[i] }, v)));
}

// errorRow says a read failed; emptyRow that there is nothing to show.
export function errorRow(span, text) {
  return h('tr', { class: 'error' }, h('td', { colspan: span }, text));
}

export function emptyRow(span, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: span }, text));
}

function renderRoutes(body, routes) {
  if (!routes.length) {
    replace(body, emptyRow(ROUTE_COLS.length, 'No routes.'));
    return;
  }
  replace(body, routes.map((r) => row(ROUTE_COLS, [
    routeLabel(r.src, r.dst),
    h('span', { class: 'state', dataset: { open: String(r.open) } }, r.open ? 'open' : 'frozen'),
    h('span', { class: 'num' }, String(Math.max(0, (r.next_sequence || 1) - 1))),
    r.limits?.length ? h('ul', { class: 'limits' }, r.limits.map((l) => h('li', {},
      `${l.denom}: ≤ ${amount(l.max_per_packet)} per transfer, ${amount(l.window_amount)} per ${duration(l.window_ms)}`)))
      : 'none',
  ], { dataset: { route: r.id } })));
}

function renderRelayers(body, relayers) {
  if (!relayers.length) {
    replace(body, emptyRow(RELAYER_COLS.length, 'No relay submissions yet.'));
    return;
  }
  replace(body, relayers.map((r) => row(RELAYER_COLS, [
    h('span', { class: 'mono', title: r.signer }, short(r.signer)),
    r.chain,
    h('span', { class: 'num' }, String(r.included)),
    h('span', { class: 'num' }, String(r.failed)),
    h('span', { class: 'num' }, String(r.pending)),
    h('span', { class: 'num' }, String(r.packets)),
    bondCell(r.bond),
    h('span', { class: 'num' }, coins(r.fees_earned)),
    h('span', { class: 'num' }, String(r.slashes)),
    r.last_at ? h('span', { title: r.last_at }, ago(r.last_at)) : 'never',
  ], { dataset: { signer: r.signer, chain: r.chain } })));
}

// bondCell shows a relayer's stake: what is locked, what slashing burned
// and whether it is on its way back.
function bondCell(b) {
  if (!b) {
    return 'none';
  }
  const parts = [`${amount(b.amount)} ${b.denom}`];
  if (b.slashed !== '0') {
    parts.push(`${amount(b.slashed)} burned`);
  }
  if (b.release_ms) {
    parts.push(`unbonding until ${clock(new Date(b.release_ms).toISOString())}`);
  }
  return h('span', { class: 'num' }, parts.join(' · '));
}

function coins(list) {
  return list.length ? list.map((c) => `${amount(c.amount)} ${c.denom}`).join(', ') : '0';
}

function renderReconciliation(body, results) {
  if (!results.length) {
    replace(body, emptyRow(RECON_COLS.length, 'No conservation check has run yet.'));
    return;
  }
  replace(body, results.map((r) => row(RECON_COLS, [
    routeLabel(r.src, r.dst),
    r.denom,
    h('span', { class: 'num' }, amount(r.escrow)),
    h('span', { class: 'num' }, amount(r.vouchers)),
    h('span', { class: 'num' }, amount(r.in_flight)),
    h('span', { class: 'state', dataset: { ok: String(r.ok) } }, r.ok ? 'holds' : `BROKEN${r.detail ? `: ${r.detail}` : ''}`),
    h('span', { title: r.at }, clock(r.at)),
  ])));
}
