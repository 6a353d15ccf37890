// transfers.js: a live table of transfers. Rows come from a REST snapshot
// and from feed events, in any order; a row only ever moves forward.

import { h, link, setText, replace } from './dom.js';
import {
  STATUS_STEP, STEPS, amount, ago, duration, isTerminal, routeLabel, short, statusLabel, timeKey, timeMs,
} from './format.js';

// MAX_ROWS bounds the table: the newest transfers by creation time stay.
export const MAX_ROWS = 100;
// FLASH_MS is how long an updated row stays highlighted.
const FLASH_MS = 1200;

const COLUMNS = ['Transfer', 'Route', 'Amount', 'From → to', 'Status', 'Elapsed', 'Last change'];

// isOlder reports whether snapshot a is behind b: an earlier lifecycle
// step, or the same step changed earlier. Statuses never move backwards,
// so a late event can never undo what a newer REST read showed.
export function isOlder(a, b) {
  const sa = STATUS_STEP[a.status] || 0;
  const sb = STATUS_STEP[b.status] || 0;
  if (sa !== sb) return sa < sb;
  return timeKey(a.updated_at) < timeKey(b.updated_at);
}

// elapsedMs is how long a transfer took (terminal) or has taken so far.
export function elapsedMs(t, now) {
  const created = timeMs(t.created_at);
  if (!created) return NaN;
  if (isTerminal(t.status)) return t.latency_ms || timeMs(t.status_at) - created;
  return now - created;
}

// progress is the stage indicator: one mark per lifecycle step; the text
// alternative says the same for screen readers.
export function progress(status) {
  const step = STATUS_STEP[status] || 0;
  const marks = [];
  for (let i = 1; i <= STEPS; i++) {
    const state = i < step || (i === step && isTerminal(status)) ? 'done' : i === step ? 'current' : 'todo';
    marks.push(h('span', { class: 'mark', dataset: { state } }));
  }
  return h('span', { class: 'progress', role: 'img', 'aria-label': `step ${step} of ${STEPS}` }, marks);
}

export class TransferTable {
  constructor({ id, caption, empty = 'No transfers yet.', maxRows = MAX_ROWS }) {
    this.rows = new Map();
    this.maxRows = maxRows;
    this.body = h('tbody');
    this.emptyRow = h('tr', { class: 'empty' }, h('td', { colspan: COLUMNS.length }, empty));
    this.body.append(this.emptyRow);
    this.element = h('div', { class: 'table-wrap' },
      h('table', { id, class: 'transfers' },
        h('caption', { class: 'visually-hidden' }, caption),
        h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
        this.body));
  }

  // load applies a REST snapshot (its rows carry no event seq).
  load(transfers) {
    for (const t of transfers) this.apply(t, 0, false);
  }

  // applyEvent applies a feed event's snapshot.
  applyEvent(msg) {
    if (msg.transfer) this.apply(msg.transfer, msg.seq, true);
  }

  // apply shows snapshot t unless this row already applied event seq or a
  // newer snapshot. It reports whether the table changed.
  apply(t, seq, flash) {
    let row = this.rows.get(t.id);
    if (row) {
      if (seq && seq <= row.seq) return false;
      if (seq) row.seq = seq;
      if (isOlder(t, row.t)) return false;
      row.t = t;
      this.render(row, Date.now());
      if (flash) this.flash(row);
      return true;
    }
    if (this.rows.size >= this.maxRows && !this.newerThanOldest(t)) return false;
    row = { t, seq, tr: null };
    this.create(row);
    this.rows.set(t.id, row);
    this.insert(row);
    this.trim();
    if (flash) this.flash(row);
    return true;
  }

  // tick refreshes the clocks of every row.
  tick(now = Date.now()) {
    for (const row of this.rows.values()) this.renderClocks(row, now);
  }

  create(row) {
    const cells = {};
    for (const c of ['id', 'route', 'amount', 'parties', 'status', 'elapsed', 'changed']) cells[c] = h('td', { dataset: { col: c } });
    cells.id.dataset.label = 'Transfer';
    cells.route.dataset.label = 'Route';
    cells.amount.dataset.label = 'Amount';
    cells.parties.dataset.label = 'From → to';
    cells.status.dataset.label = 'Status';
    cells.elapsed.dataset.label = 'Elapsed';
    cells.changed.dataset.label = 'Last change';
    row.cells = cells;
    row.tr = h('tr', { dataset: { transferId: row.t.id } }, Object.values(cells));
    this.render(row, Date.now());
  }

  render(row, now) {
    const { t, cells, tr } = row;
    tr.dataset.status = t.status;
    if (!cells.id.firstChild) {
      cells.id.append(link(`/transfers/${t.id}`, short(t.id.split('.').pop(), 6), { class: 'mono', title: t.id }));
      setText(cells.route, routeLabel(t.src, t.dst));
      replace(cells.amount, h('span', { class: 'num' }, amount(t.amount)), ' ', h('span', { class: 'denom' }, t.denom));
      replace(cells.parties,
        link(`/accounts/${t.src}/${t.sender}`, short(t.sender), { class: 'mono', title: t.sender }),
        ' → ',
        link(`/accounts/${t.dst}/${t.receiver}`, short(t.receiver), { class: 'mono', title: t.receiver }));
    }
    replace(cells.status, progress(t.status), h('span', { class: 'status', dataset: { status: t.status } }, statusLabel(t.status)));
    this.renderClocks(row, now);
  }

  renderClocks(row, now) {
    setText(row.cells.elapsed, duration(elapsedMs(row.t, now)));
    setText(row.cells.changed, ago(row.t.status_at || row.t.updated_at, now));
  }

  // insert places row by creation time, newest first.
  insert(row) {
    this.emptyRow.remove();
    const key = timeKey(row.t.created_at);
    for (const other of this.body.children) {
      const o = this.rows.get(other.dataset.transferId);
      if (o && timeKey(o.t.created_at) < key) {
        this.body.insertBefore(row.tr, other);
        return;
      }
    }
    this.body.append(row.tr);
  }

  newerThanOldest(t) {
    const last = this.rows.get(this.body.lastElementChild?.dataset.transferId);
    return !last || timeKey(t.created_at) > timeKey(last.t.created_at);
  }

  trim() {
    while (this.rows.size > this.maxRows) {
      const last = this.body.lastElementChild;
      this.rows.delete(last.dataset.transferId);
      last.remove();
    }
  }

  flash(row) {
    row.tr.classList.remove('flash');
    // Restart the animation: reading offsetWidth forces a style flush.
    void row.tr.offsetWidth;
    row.tr.classList.add('flash');
    clearTimeout(row.flashTimer);
    row.flashTimer = setTimeout(() => row.tr.classList.remove('flash'), FLASH_MS);
  }
}
