// dom.js: building elements without innerHTML, so nothing the API returns
// is ever parsed as markup.

// h creates an element. attrs: plain attributes, except "class", "dataset"
// (an object of data-* values), "text" (textContent) and event handlers
// given as "on<event>" functions. Children may be nodes, strings or arrays;
// null and undefined are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// replace swaps el's children for the given ones.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

// setText changes el's text only when it differs, so screen readers and
// selections are not disturbed by identical updates.
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

// link is an in-page link: main.js routes clicks on [data-nav] through the
// history API instead of a page load.
export function link(href, text, attrs = {}) {
  return h('a', { href, 'data-nav': true, ...attrs }, text);
}

// section is a titled region of a view.
export function section(id, title, ...children) {
  const headingId = `${id}-title`;
  return h('section', { id, class: 'panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, title), ...children);
}
