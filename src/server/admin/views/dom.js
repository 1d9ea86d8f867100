// DOM building blocks for the admin page. Every value from the API goes in as text (textContent or text nodes),
// never as HTML: names and tags come from customers' CRMs.

/** An element: `h('a', {href, className, onclick, 'aria-sort': 'none'}, 'text', node, ...)`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'className') element.className = value;
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Appends strings (as text), nodes, and arrays of them; null and false are skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

const SVG = 'http://www.w3.org/2000/svg';
/** An SVG element with attributes (no children as text: SVG text goes through `svgText`). */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}
export const svgText = (value, attributes) => {
  const t = svg('text', attributes);
  t.textContent = String(value);
  return t;
};

export const button = (label, onclick, className = '', extra = {}) =>
  h('button', { type: 'button', className, onclick, ...extra }, label);

/** A section with a heading; `intro` is one plain sentence under it. */
export const section = (title, ...children) => h('section', {}, h('h2', {}, title), ...children);

export const muted = (...text) => h('p', { className: 'muted' }, ...text);
export const empty = (...text) => h('p', { className: 'empty' }, ...text);

let idCounter = 0;
export const uniqueId = (prefix) => `${prefix}-${++idCounter}`;

/**
 * A labelled control with one line of help under it (`aria-describedby`). `control` is an input, select or
 * textarea; its id is set here.
 */
export function field(label, control, help) {
  control.id ||= uniqueId('f');
  const helpId = `${control.id}-help`;
  if (help) control.setAttribute('aria-describedby', helpId);
  const isCheck = control.type === 'checkbox';
  return h(
    'div',
    { className: isCheck ? 'field check' : 'field' },
    isCheck ? h('label', { for: control.id }, control, ' ', label) : h('label', { for: control.id }, label),
    isCheck ? null : control,
    help ? h('p', { className: 'help', id: helpId }, help) : null,
  );
}

/**
 * A table that becomes stacked cards on a narrow screen: each cell carries its column name (`data-label`, shown
 * by the stylesheet). `columns`: [{label, cell(row) -> node|string, header?: node}]
 */
export function table(columns, rows, caption) {
  return h(
    'div',
    { className: 'table-wrap' },
    h(
      'table',
      { className: 'cards' },
      caption ? h('caption', { className: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', ...(c.thAttributes ?? {}) }, c.header ?? c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            columns.map((c) => h('td', { 'data-label': c.label }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** "Rows 1–25 of 130" with Previous / Next. */
export function pager({ offset, count, total, onPage, label = 'rows' }) {
  const from = count === 0 ? 0 : offset + 1;
  const to = offset + count;
  return h(
    'nav',
    { className: 'pager', 'aria-label': `Pages of ${label}` },
    button('Previous', () => onPage(-1), '', { disabled: offset === 0 }),
    h(
      'span',
      {},
      total === null ? `${capital(label)} ${from}–${to}` : `${capital(label)} ${from}–${to} of ${total}`,
    ),
    button('Next', () => onPage(1), '', { disabled: total === null ? count === 0 : to >= total }),
  );
}

export const capital = (word) => word.charAt(0).toUpperCase() + word.slice(1);
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A link to a CRM record, in a new tab. */
export const recordLink = (url, label) =>
  url
    ? h(
        'a',
        { href: url, target: '_blank', rel: 'noopener noreferrer' },
        label,
        h('span', { className: 'visually-hidden' }, ' (opens in a new tab)'),
      )
    : h('span', {}, label);

/** A tag as a chip. */
export const chip = (tag) => h('span', { className: 'chip' }, tag);

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Gives the focus back to `element`, or to its twin when the view was drawn again meanwhile (same tag, same text). */
function focusAgain(element) {
  if (!(element instanceof HTMLElement)) return;
  const twin = element.isConnected
    ? element
    : [...document.querySelectorAll(element.tagName)].find((e) => e.textContent === element.textContent);
  (twin ?? document.getElementById('view'))?.focus();
}

/** A modal <dialog>; resolves true when confirmed. Focus returns to where it was. */
export function confirmDialog({
  title,
  body,
  confirm = 'Confirm',
  cancel = 'Cancel',
  danger = false,
  content = null,
  returnTo = document.activeElement,
}) {
  return new Promise((resolve) => {
    const titleId = uniqueId('dialog');
    const dialog = h(
      'dialog',
      { 'aria-labelledby': titleId },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: titleId }, title),
        ...(Array.isArray(body) ? body : [body]).map((p) => (p instanceof Node ? p : h('p', {}, p))),
        content,
        h(
          'p',
          { className: 'actions' },
          h('button', { type: 'button', value: 'cancel', onclick: () => dialog.close('cancel') }, cancel),
          ' ',
          h(
            'button',
            { type: 'submit', value: 'confirm', className: danger ? 'danger' : 'primary' },
            confirm,
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      dialog.remove();
      focusAgain(returnTo);
      resolve(confirmed);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has the focus first.
    dialog.querySelector('button[value=cancel]').focus();
  });
}
