// feed.js: one WebSocket connection to /v1/stream carrying a view's
// subscriptions, reconnecting by itself and resuming each subscription from
// the last seq it saw, so no event is lost across a drop.

// Close codes (settlement/gateway/api/stream.go).
const CLOSE_GOING_AWAY = 1001; // the gateway is shutting down
const CLOSE_UNAUTHORIZED = 4001; // the feed needs an API key: retrying will not help
const CLOSE_SLOW_CONSUMER = 4008; // we read too slowly; resume from our seq
const CLOSE_SILENT = 4100; // ours: no heartbeat for too long
// REPLAY_FAILED is the error code of a subscription the server dropped.
const REPLAY_FAILED = 'replay_failed';

// Reconnect delays. A close the server asked us to recover from (going
// away, slow consumer) retries almost at once; anything else backs off
// exponentially with jitter so a restarting gateway is not stampeded.
const RECONNECT_PROMPT_MS = 250;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15000;
const RECONNECT_JITTER = 0.3;
// SILENCE_LIMIT_MS: the feed sends a heartbeat every 10 s; a connection
// silent for longer than this is dead even if TCP has not noticed.
const SILENCE_LIMIT_MS = 35000;

export const STREAM_PATH = '/v1/stream';

// Feed states, shown to the user.
export const STATE = {
  connecting: 'connecting',
  replaying: 'replaying',
  live: 'live',
  reconnecting: 'reconnecting',
  refused: 'refused',
  error: 'error',
  closed: 'closed',
};

export class Feed {
  // onEvent(msg) receives every event message; onSynced(subId) is called
  // when a subscription that started without a known seq is registered,
  // the moment to (re)load its snapshot over REST; onState(state, detail)
  // follows the connection.
  constructor({ onEvent, onSynced = () => {}, onState = () => {} }) {
    this.onEvent = onEvent;
    this.onSynced = onSynced;
    this.onState = onState;
    this.subs = new Map();
    this.lastId = 0;
    this.ws = null;
    this.attempt = 0;
    this.timer = 0;
    this.watchdog = 0;
    this.stopped = false;
  }

  // add registers a subscription and returns its id: filter is {route},
  // {account} or {transfer}; fromSeq null means "from now", after which
  // onSynced fires. Ids are short and ours (the server allows 64 bytes; a
  // transfer id alone can be longer).
  add(filter, fromSeq = null) {
    const id = `s${++this.lastId}`;
    const sub = { id, filter, cursor: fromSeq, live: false, problem: '' };
    this.subs.set(id, sub);
    if (this.ws?.readyState === WebSocket.OPEN) this.subscribe(sub);
    return id;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    if (this.ws) this.ws.close(1000, 'page left');
    this.ws = null;
    this.setState(STATE.closed);
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.setState(STATE.connecting);
    const ws = new WebSocket(`${scheme}://${location.host}${STREAM_PATH}`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.touch();
      for (const sub of this.subs.values()) this.subscribe(sub);
    });
    ws.addEventListener('message', (ev) => {
      this.touch();
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.receive(msg);
    });
    ws.addEventListener('close', (ev) => this.closed(ws, ev));
  }

  subscribe(sub) {
    sub.live = false;
    sub.problem = '';
    const msg = { op: 'subscribe', id: sub.id, ...sub.filter };
    if (sub.cursor !== null) msg.from_seq = sub.cursor;
    sub.synced = sub.cursor === null;
    this.ws.send(JSON.stringify(msg));
  }

  receive(msg) {
    const sub = this.subs.get(msg.id || msg.sub);
    switch (msg.type) {
      case 'subscribed':
        if (!sub) return;
        this.attempt = 0;
        if (sub.synced) {
          // Live from the head on: everything up to it comes from REST.
          sub.cursor = msg.seq;
          sub.live = true;
          this.onSynced(sub.id);
        }
        break;
      case 'replayed':
        if (sub) sub.live = true;
        break;
      case 'event':
        if (sub && msg.seq > sub.cursor) sub.cursor = msg.seq;
        this.onEvent(msg);
        break;
      case 'heartbeat':
        // The head seq, sent in order with events: a live subscription has
        // seen every event of its own up to it. One still replaying has not.
        for (const s of this.subs.values()) {
          if (s.live && msg.seq > s.cursor) s.cursor = msg.seq;
        }
        break;
      case 'error': {
        // An error names the subscription it refuses or drops; one without
        // an id answers a message the server could not read at all.
        const problem = `${msg.code}${msg.detail ? `: ${msg.detail}` : ''}`;
        for (const s of sub ? [sub] : this.subs.values()) {
          if (!s.live) s.problem = problem;
        }
        // The server dropped the subscription when its replay failed; ask
        // again from the same seq once the store has had a moment.
        if (sub && msg.code === REPLAY_FAILED) {
          sub.live = false;
          sub.problem = problem;
          const ws = this.ws;
          setTimeout(() => {
            if (ws === this.ws && ws.readyState === WebSocket.OPEN) this.subscribe(sub);
          }, RECONNECT_MIN_MS);
        }
        break;
      }
      default:
        return;
    }
    this.updateState();
  }

  updateState() {
    const all = [...this.subs.values()];
    const failed = all.find((s) => s.problem);
    if (failed) this.setState(STATE.error, `the feed refused a subscription: ${failed.problem}`);
    else this.setState(all.length && all.every((s) => s.live) ? STATE.live : STATE.replaying);
  }

  closed(ws, ev) {
    if (ws !== this.ws) return;
    clearTimeout(this.watchdog);
    this.ws = null;
    if (this.stopped) return;
    if (ev.code === CLOSE_UNAUTHORIZED) {
      this.setState(STATE.refused, 'the feed requires an API key');
      return;
    }
    let delay;
    if (ev.code === CLOSE_GOING_AWAY || ev.code === CLOSE_SLOW_CONSUMER) {
      delay = RECONNECT_PROMPT_MS;
    } else {
      const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempt);
      delay = base * (1 - RECONNECT_JITTER + Math.random() * 2 * RECONNECT_JITTER);
      this.attempt++;
    }
    const why = ev.code === CLOSE_SLOW_CONSUMER ? 'too slow, resuming'
      : ev.code === CLOSE_GOING_AWAY ? 'gateway restarting'
        : ev.code === CLOSE_SILENT ? 'no heartbeat' : `closed (${ev.code})`;
    this.setState(STATE.reconnecting, `${why}; retry in ${(delay / 1000).toFixed(1)} s`);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // touch re-arms the silence watchdog.
  touch() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      // Give up on it now rather than wait for a closing handshake that a
      // dead peer never answers.
      const ws = this.ws;
      if (!ws) return;
      this.closed(ws, { code: CLOSE_SILENT });
      ws.close(CLOSE_SILENT, 'silent');
    }, SILENCE_LIMIT_MS);
  }

  setState(state, detail = '') {
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    this.onState(state, detail);
  }
}
