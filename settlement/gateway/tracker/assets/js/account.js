// account.js: one address — its balance on every chain and the transfers
// it sent or received, live.

import { getJSON, query } from './api.js';
import { h, replace, section, setText } from './dom.js';
import { Feed } from './feed.js';
import { TransferTable } from './transfers.js';
import { ADDRESS_RE, amount } from './format.js';
import { RECENT_TRANSFERS, errorRow, tableOf } from './overview.js';

// BALANCE_POLL_MS re-reads balances; events also trigger a read, after
// BALANCE_DELAY_MS so a burst of them costs one.
const BALANCE_POLL_MS = 5000;
const BALANCE_DELAY_MS = 300;
const TICK_MS = 1000;
const CHAIN_RE = /^[a-z0-9-]{1,32}$/;

const BALANCE_COLS = ['Chain', 'Denomination', 'Amount'];

export function accountView(scope, ui, chain, address) {
  const addr = address.toLowerCase();
  document.title = `Account ${addr} · Causeway tracker`;
  if (!ADDRESS_RE.test(addr) || !CHAIN_RE.test(chain)) {
    replace(ui.view, h('section', { id: 'account', class: 'panel' }, h('h1', {}, 'Not an account'),
      h('p', {}, `“${chain}/${address}” is not a chain and address: addresses are 0x and 40 hex digits.`)));
    return;
  }
  const balances = h('tbody');
  const note = h('p', { class: 'note' }, 'Loading…');
  const table = new TransferTable({ id: 'account-transfers', caption: `Transfers from or to ${addr}, newest first`, empty: 'No transfers from or to this account.' });
  replace(ui.view,
    h('section', { id: 'account', class: 'panel', dataset: { address: addr, chain }, 'aria-labelledby': 'account-title' },
      h('h1', { id: 'account-title' }, 'Account ', h('span', { class: 'mono addr' }, addr)),
      h('p', { class: 'note' }, 'The same address may hold coins on every chain; vouchers of a coin from another chain are named origin/denomination.')),
    section('balances', 'Balances', tableOf(BALANCE_COLS, balances, `Balances of ${addr} on each chain`)),
    section('account-live', 'Transfers', note, table.element));

  const readBalances = async () => {
    let ids;
    try {
      ids = await ui.getChainIds();
    } catch (err) {
      replace(balances, errorRow(3, `Cannot read the chains: ${err.message}`));
      return;
    }
    // The chain in the URL first, then the others.
    ids = [chain, ...ids.filter((c) => c !== chain)];
    const rows = await Promise.all(ids.map((c) => balanceRows(c, addr, scope)));
    replace(balances, rows.flat());
  };
  scope.every(BALANCE_POLL_MS, readBalances);
  const balancesSoon = scope.coalesce(BALANCE_DELAY_MS, readBalances);

  const reload = scope.coalesce(BALANCE_DELAY_MS, async () => {
    try {
      table.load((await getJSON(query('/v1/transfers', { account: addr, limit: RECENT_TRANSFERS }), scope)).transfers);
      setText(note, 'Rows update as the transfers move.');
    } catch (err) {
      if (err.name !== 'AbortError') setText(note, `Cannot read the transfers: ${err.message}`);
    }
  });
  const feed = new Feed({
    onEvent: (msg) => {
      if (msg.transfer && table.apply(msg.transfer, msg.seq, true)) balancesSoon();
    },
    onSynced: reload,
    onState: (state, detail) => ui.setConn(state, detail),
  });
  feed.add({ account: addr });
  reload();
  feed.start();
  scope.onStop(() => feed.stop());
  const tick = setInterval(() => table.tick(Date.now()), TICK_MS);
  scope.onStop(() => clearInterval(tick));
}

async function balanceRows(chain, addr, scope) {
  const label = (text) => ({ 'data-label': text });
  try {
    const a = await getJSON(`/v1/accounts/${chain}/${addr}`, scope);
    if (!a.balances?.length) {
      return [h('tr', { class: 'empty', dataset: { chain } }, h('td', label('Chain'), chain), h('td', { colspan: 2, ...label('Balance') }, 'no coins'))];
    }
    return a.balances.map((b) => h('tr', { dataset: { chain, denom: b.denom } },
      h('td', label('Chain'), chain), h('td', label('Denomination'), b.denom),
      h('td', label('Amount'), h('span', { class: 'num' }, amount(b.amount)))));
  } catch (err) {
    if (err.name === 'AbortError') return [];
    return [h('tr', { class: 'error', dataset: { chain } }, h('td', label('Chain'), chain), h('td', { colspan: 2, ...label('Balance') }, `unavailable: ${err.message}`))];
  }
}
