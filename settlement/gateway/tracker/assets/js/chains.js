// chains.js: one card per chain, its height updated on every poll.

import { h, setText } from './dom.js';
import { ago, duration } from './format.js';

// INTERVAL_WINDOW is how many distinct heights the block interval is
// averaged over.
const INTERVAL_WINDOW = 20;

export class ChainCards {
  constructor() {
    this.cards = new Map();
    this.notice = h('p', { class: 'notice', role: 'status', hidden: true });
    this.grid = h('div', { class: 'chains' });
    this.element = h('div', {}, this.notice, this.grid);
  }

  // update applies one read of /v1/chains.
  update(chains, now) {
    this.notice.hidden = true;
    for (const c of chains) {
      let card = this.cards.get(c.id);
      if (!card) {
        card = this.create(c.id);
        this.cards.set(c.id, card);
        this.grid.append(card.el);
      }
      card.c = c;
      if (c.up && c.height) this.observe(card, c);
      this.render(card, now);
    }
  }

  // unreachable shows that the gateway itself did not answer; the cards
  // keep their last values, marked stale.
  unreachable(err) {
    if (err.name === 'AbortError') return;
    this.notice.textContent = `The gateway does not answer (${err.message}); heights shown are the last known.`;
    this.notice.hidden = false;
  }

  tick(now) {
    for (const card of this.cards.values()) this.renderAge(card, now);
  }

  create(id) {
    const f = {};
    const field = (name, label) => {
      f[name] = h('dd', { dataset: { field: name } }, '—');
      return h('div', {}, h('dt', {}, label), f[name]);
    };
    f.state = h('span', { class: 'state' });
    const el = h('article', { class: 'chain', id: `chain-${id}`, dataset: { chain: id }, 'aria-labelledby': `chain-${id}-name` },
      h('header', {}, h('h3', { id: `chain-${id}-name` }, id), f.state),
      h('dl', {},
        field('height', 'Height'),
        field('age', 'Last block'),
        field('interval', 'Block interval'),
        field('validators', 'Validators'),
        field('power', 'Voting power'),
        field('endpoints', 'Endpoints up')));
    return { el, f, seen: [] };
  }

  // observe remembers (height, block time) pairs to average the interval.
  observe(card, c) {
    const last = card.seen.at(-1);
    if (last && last.height === c.height) return;
    // A chain started over from genesis: its old heights say nothing now.
    if (last && last.height > c.height) card.seen.length = 0;
    card.seen.push({ height: c.height, ms: Date.parse(c.block_time) });
    if (card.seen.length > INTERVAL_WINDOW) card.seen.shift();
  }

  render(card, now) {
    const { c, f, el } = card;
    el.dataset.up = String(c.up);
    setText(f.state, c.up ? 'up' : 'DOWN');
    f.state.dataset.up = String(c.up);
    if (c.up) {
      setText(f.height, c.height);
      el.dataset.height = String(c.height);
      setText(f.validators, c.validators?.length ?? 0);
      setText(f.power, c.total_power);
    } else if (card.seen.length) {
      setText(f.height, `${card.seen.at(-1).height} (last seen)`);
    }
    setText(f.endpoints, `${c.endpoints_up} of ${c.endpoints}`);
    const first = card.seen[0];
    const last = card.seen.at(-1);
    if (first && last && last.height > first.height && last.ms > first.ms) {
      setText(f.interval, `~${duration((last.ms - first.ms) / (last.height - first.height))}`);
    }
    this.renderAge(card, now);
  }

  renderAge(card, now) {
    const { c, f } = card;
    if (!c) return;
    f.age.classList.toggle('down', !c.up);
    setText(f.age, !c.up ? 'no endpoint answers' : c.block_time ? ago(c.block_time, now) : '—');
  }
}
