// format.js: how values read on the page. Amounts stay decimal strings
// from end to end (they can exceed 2^53); only times become numbers.

// STATUS_STEP is how far along the lifecycle each status is; a terminal
// status is the last step.
export const STATUS_STEP = {
  submitted: 1,
  source_committed: 2,
  delivered: 3,
  finished: 4,
  refunded: 4,
  rejected: 4,
};
export const STEPS = 4;

const STATUS_LABEL = {
  submitted: 'submitted',
  source_committed: 'committed on source',
  delivered: 'delivered',
  finished: 'finished',
  refunded: 'refunded',
  rejected: 'rejected',
};

const STAGE_LABEL = {
  submitted: 'Submitted',
  source_committed: 'Committed on source',
  delivered: 'Delivered to destination',
  finished: 'Finished (acknowledged on source)',
  refunded: 'Refunded on source',
  rejected: 'Rejected by source',
};

const TERMINAL = new Set(['finished', 'refunded', 'rejected']);

export const isTerminal = (status) => TERMINAL.has(status);
export const statusLabel = (s) => STATUS_LABEL[s] || s || 'unknown';
export const stageLabel = (s) => STAGE_LABEL[s] || s;

// short abbreviates a hex hash or address: 0x1234…abcd.
export function short(hex, keep = 4) {
  if (!hex) return '';
  const s = String(hex);
  return s.length <= 2 + 2 * keep + 1 ? s : `${s.slice(0, 2 + keep)}…${s.slice(-keep)}`;
}

// amount groups a decimal string's digits by thousands, as text.
export function amount(s) {
  const digits = String(s ?? '0');
  return /^\d+$/.test(digits) ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : digits;
}

// timeMs parses an RFC 3339 time; 0 for a missing or zero time.
export function timeMs(s) {
  if (!s || s.startsWith('0001-')) return 0;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? 0 : ms;
}

// timeKey orders RFC 3339 times to the nanosecond, which Date cannot: two
// updates of one transfer may fall within a millisecond.
export function timeKey(s) {
  const ms = timeMs(s);
  if (!ms) return 0n;
  const frac = /\.(\d+)/.exec(s);
  const sub = frac ? BigInt((frac[1] + '000000000').slice(3, 9)) : 0n;
  return BigInt(ms) * 1000000n + sub;
}

// duration renders milliseconds as "850 ms", "12.4 s", "3 m 05 s" or
// "2 h 03 m".
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

// ago renders how long before now a time was.
export function ago(s, now = Date.now()) {
  const ms = timeMs(s);
  if (!ms) return 'never';
  const d = Math.max(0, now - ms);
  return d < 1000 ? 'just now' : `${duration(d)} ago`;
}

// clock renders a time as local HH:MM:SS, with milliseconds when asked:
// a transfer's stages can be a fraction of a second apart.
export function clock(s, withMs = false) {
  const ms = timeMs(s);
  if (!ms) return '—';
  const d = new Date(ms);
  const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return withMs ? `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}` : hms;
}

// routeLabel renders src.dst as "src → dst".
export const routeLabel = (src, dst) => `${src} → ${dst}`;

// TRANSFER_ID_RE matches "src.dst.42" and "src.dst.0x…" (64 hex digits).
export const TRANSFER_ID_RE = /^[a-z0-9-]{1,32}\.[a-z0-9-]{1,32}\.([1-9][0-9]{0,19}|0x[0-9a-f]{64})$/;
// ADDRESS_RE matches a 20-byte hex address.
export const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
