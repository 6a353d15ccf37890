// transfer.js: one transfer — what it moves, where it is, and its
// timeline: each stage's block, transaction, time and relayer.

import { ApiError, getJSON } from './api.js';
import { h, link, replace, setText } from './dom.js';
import { Feed } from './feed.js';
import { isOlder, progress, elapsedMs } from './transfers.js';
import {
  TRANSFER_ID_RE, amount, clock, duration, isTerminal, routeLabel, short, stageLabel, statusLabel, timeMs,
} from './format.js';

const TICK_MS = 1000;

const STEP_STATE_LABEL = { done: 'done', pending: 'in progress', future: 'not yet' };

export function transferView(scope, ui, id) {
  document.title = `Transfer ${id} · Causeway tracker`;
  const root = h('section', { id: 'transfer', class: 'panel', dataset: { transferId: id }, 'aria-labelledby': 'transfer-title' });
  replace(ui.view, root);
  if (!TRANSFER_ID_RE.test(id)) {
    root.dataset.status = 'invalid';
    replace(root, h('h1', { id: 'transfer-title' }, 'Not a transfer id'),
      h('p', {}, `“${id}” is not a transfer id. Ids look like alpha.beta.42, or alpha.beta.0x… before the source chain numbers the packet.`));
    return;
  }

  const page = new TransferPage(root, id);
  let applied = 0;
  const show = (t, seq) => {
    if (seq && seq <= applied) return;
    if (seq) applied = seq;
    page.show(t);
  };

  const feed = new Feed({
    onEvent: (msg) => {
      if (msg.transfer_id === id && msg.transfer) show(msg.transfer, msg.seq);
    },
    onState: (state, detail) => ui.setConn(state, detail),
  });
  // The whole history of one transfer is a handful of events: replay it
  // all, so the page is complete even if the REST read below loses a race.
  feed.add({ transfer: id }, 0);
  feed.start();
  scope.onStop(() => feed.stop());

  getJSON(`/v1/transfers/${id}`, scope).then((t) => show(t, 0), (err) => {
    if (err.name === 'AbortError') return;
    if (err instanceof ApiError && err.status === 404) page.missing();
    else page.failed(err);
  });
  const tick = setInterval(() => page.tick(Date.now()), TICK_MS);
  scope.onStop(() => clearInterval(tick));
}

class TransferPage {
  constructor(root, id) {
    this.root = root;
    this.id = id;
    this.t = null;
    this.status = h('span', { class: 'status', id: 'transfer-status' }, 'loading…');
    this.progress = h('span');
    this.elapsed = h('span', { id: 'transfer-elapsed' });
    this.notice = h('p', { class: 'notice', role: 'status', hidden: true });
    this.facts = h('dl', { class: 'facts', id: 'transfer-facts' });
    this.timeline = h('ol', { class: 'timeline', id: 'timeline' });
    replace(root,
      h('h1', { id: 'transfer-title' }, 'Transfer ', h('span', { class: 'mono id' }, id)),
      h('p', { class: 'status-line' }, this.progress, this.status, this.elapsed),
      this.notice,
      this.facts,
      h('h2', {}, 'Timeline'),
      this.timeline);
  }

  missing() {
    if (this.t) return;
    this.root.dataset.status = 'unknown';
    setText(this.status, 'not found');
    this.notice.textContent = 'The gateway knows no transfer with this id yet. This page follows it and fills in when it appears.';
    this.notice.hidden = false;
  }

  failed(err) {
    if (this.t) return;
    this.notice.textContent = `Cannot read the transfer: ${err.message}`;
    this.notice.hidden = false;
  }

  show(t) {
    if (this.t && isOlder(t, this.t)) return;
    this.t = t;
    this.notice.hidden = true;
    this.root.dataset.status = t.status;
    setText(this.status, statusLabel(t.status));
    this.status.dataset.status = t.status;
    replace(this.progress, progress(t.status));
    this.renderFacts(t);
    this.renderTimeline(t);
    this.tick(Date.now());
  }

  tick(now) {
    if (!this.t) return;
    const t = this.t;
    setText(this.elapsed, isTerminal(t.status) ? `took ${duration(elapsedMs(t, now))}` : `${duration(elapsedMs(t, now))} so far`);
  }

  renderFacts(t) {
    const facts = [
      ['Route', routeLabel(t.src, t.dst)],
      ['Amount', h('span', {}, h('span', { class: 'num' }, amount(t.amount)), ' ', t.denom)],
      ['Fee', t.fee && t.fee !== '0' ? `${amount(t.fee)} ${t.denom}` : 'none'],
      ['From', h('span', {}, link(`/accounts/${t.src}/${t.sender}`, t.sender, { class: 'mono addr' }), ` on ${t.src}`)],
      ['To', h('span', {}, link(`/accounts/${t.dst}/${t.receiver}`, t.receiver, { class: 'mono addr' }), ` on ${t.dst}`)],
      ['Packet', packet(t)],
      ['Deadline', deadline(t)],
      ['Created', h('time', { datetime: t.created_at }, `${clock(t.created_at)} (${t.created_at})`)],
      t.receipt && ['Receipt', receipt(t.receipt)],
      t.reject && ['Rejected', `code ${t.reject.code}${t.reject.reason ? `: ${t.reject.reason}` : ''}`],
      ['Attempts', `source ${t.attempts?.source ?? 0}, delivery ${t.attempts?.delivery ?? 0}, confirm ${t.attempts?.confirm ?? 0}`],
      t.last_error && t.status !== 'rejected' && ['Last error', t.last_error],
    ].filter(Boolean);
    replace(this.facts, facts.map(([k, v]) => h('div', { dataset: { fact: k.toLowerCase().replace(/\s+/g, '-') } }, h('dt', {}, k), h('dd', {}, v))));
  }

  renderTimeline(t) {
    let prev = 0;
    replace(this.timeline, (t.timeline || []).map((s) => {
      const at = timeMs(s.time);
      // Stage times come from different clocks (the gateway's, each
      // chain's block time): a tiny negative gap reads as none.
      const since = s.state === 'done' && at && prev ? `+${duration(Math.max(0, at - prev))}` : '';
      if (s.state === 'done' && at) prev = at;
      const details = s.state === 'done' ? [
        s.height ? detail('Block', String(s.height), 'height') : null,
        s.tx_hash ? detail('Tx', h('span', { class: 'mono', title: s.tx_hash }, short(s.tx_hash, 6)), 'tx') : null,
        at ? detail('Time', h('time', { datetime: s.time, title: s.time }, clock(s.time, true)), 'time') : null,
        s.relayer ? detail('Relayer', link(`/accounts/${relayerChain(t, s.stage)}/${s.relayer}`, short(s.relayer), { class: 'mono', title: s.relayer }), 'relayer') : null,
        since ? detail('After previous', since, 'since') : null,
      ] : [];
      return h('li', { dataset: { stage: s.stage, state: s.state } },
        h('span', { class: 'marker', 'aria-hidden': 'true' }),
        h('div', { class: 'step' },
          h('p', { class: 'step-title' }, h('strong', {}, stageLabel(s.stage)), ' ', h('span', { class: 'step-state' }, `— ${STEP_STATE_LABEL[s.state] || s.state}`)),
          details.some(Boolean) ? h('dl', { class: 'step-details' }, details) : null));
    }));
  }
}

function detail(label, value, key) {
  return h('div', { dataset: { detail: key } }, h('dt', {}, label), h('dd', {}, value));
}

// relayerChain is where a stage's relayer submitted: recv lands on the
// destination, everything else on the source.
function relayerChain(t, stage) {
  return stage === 'delivered' ? t.dst : t.src;
}

function packet(t) {
  if (t.seq) return `#${t.seq} on ${t.src} → ${t.dst}`;
  if (t.status === 'rejected') return 'none: the source refused the transaction';
  return 'not numbered yet (the source has not committed it)';
}

function deadline(t) {
  const parts = [];
  if (t.timeout_height) parts.push(`height ${t.timeout_height} on ${t.dst}`);
  if (t.timeout_time_ms) parts.push(new Date(t.timeout_time_ms).toISOString());
  return parts.length ? parts.join(' or ') : 'none';
}

function receipt(r) {
  if (r.status === 'ok') return 'ok — credited on the destination';
  if (r.status === 'timeout') return 'timeout — the deadline passed before delivery; refunded on the source';
  return `failed with code ${r.code ?? 0} — the destination refused it; refunded on the source`;
}
