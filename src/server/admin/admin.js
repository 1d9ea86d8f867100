// The admin page: one page app, a view per hash (#overview, #people, …). Served as files (the
// Content-Security-Policy allows no inline script); the views live in /views/*.js.
import { button, h } from './views/dom.js';

/**
 * The words of each mode (DESIGN.md section 1), the only table of them: every view takes its words from here, so
 * the other mode's words never show.
 */
const WORDS = {
  'senior-living': {
    modeName: 'Senior Living',
    account: 'community',
    accounts: 'communities',
    Account: 'Community',
    Accounts: 'Communities',
    deal: 'prospect',
    deals: 'prospects',
    Deal: 'Prospect',
    Deals: 'Prospects',
    sharedPeople: 'shared-prospect',
  },
  'b2b-b2c': {
    modeName: 'B2B/B2C',
    account: 'child account',
    accounts: 'child accounts',
    Account: 'Child Account',
    Accounts: 'Child Accounts',
    deal: 'deal',
    deals: 'deals',
    Deal: 'Deal',
    Deals: 'Deals',
    sharedPeople: 'shared-contact',
  },
};
export const MODE_NAMES = Object.fromEntries(Object.entries(WORDS).map(([mode, w]) => [mode, w.modeName]));

const VIEWS = [
  { id: 'overview', label: 'Overview', load: () => import('./views/overview.js') },
  { id: 'people', label: 'Shared contacts', load: () => import('./views/people.js') },
  { id: 'preview', label: 'Preview and run', load: () => import('./views/preview.js') },
  { id: 'history', label: 'History', load: () => import('./views/history.js') },
  { id: 'accounts', label: 'Accounts', load: () => import('./views/accounts.js') },
  { id: 'settings', label: 'Settings', load: () => import('./views/settings.js') },
];

const $ = (id) => document.getElementById(id);

/** An API answer that is not 2xx: its status and body (`needs`, `error`). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `the server answered ${status}`);
    this.status = status;
    this.body = body ?? {};
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, { headers: { 'content-type': 'application/json' }, ...options });
  const body = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

const PROVIDERS = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

/** What every view is given: the tenant's state, its words, the API and the page's shared parts. */
const app = {
  tenantId: null,
  providers: [],
  state: null,
  words: WORDS['b2b-b2c'],
  providerName: (p) => PROVIDERS[p] ?? p,
  /** GET/POST… under /api/tenants/:tenantId. */
  api: (path, options = {}) =>
    api(`/api/tenants/${app.tenantId}${path}`, {
      ...options,
      ...(options.body !== undefined && typeof options.body !== 'string'
        ? { body: JSON.stringify(options.body) }
        : {}),
    }),
  /**
   * An endpoint that a server may not have yet: null when it answers 404 for the route itself (not for a missing
   * record, which names it), so the view can say so instead of failing.
   */
  optional: async (path, options) => {
    try {
      return await app.api(path, options);
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.status === 404 || error.status === 405) &&
        /^not found$/i.test(error.message)
      )
        return null;
      throw error;
    }
  },
  notice(message, kind = 'ok') {
    const notice = $('notice');
    notice.className = kind;
    notice.textContent = message;
  },
  /** A date and time in the tenant's time zone, with the zone named. */
  when(value, options = {}) {
    if (!value) return '—';
    return new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: app.state?.tenant.settings.schedule.timeZone ?? 'UTC',
      ...options,
    }).format(new Date(value));
  },
  day: (value) => (value ? app.when(value, { dateStyle: 'medium', timeStyle: undefined }) : '—'),
  accountName(accountId) {
    return (
      app.state?.accounts.find((a) => a.accountId === accountId || a.id === accountId)?.name ?? accountId
    );
  },
  /** Reloads the tenant's state, then the view on show. */
  async reload() {
    await loadState();
    await showView();
  },
  go(hash) {
    if (location.hash === `#${hash}`) showView();
    else location.hash = hash;
  },
  /** Whether a run is going (from the server, the live stream or this page's own request). */
  running: false,
  live: null,
  liveListeners: new Set(),
};

async function loadState() {
  app.state = await app.api('');
  const { tenant, admin } = app.state;
  app.words = WORDS[tenant.settings.mode] ?? WORDS['b2b-b2c'];
  app.running = Boolean(app.state.running);
  $('title').textContent = `Community Sync · ${tenant.name}`;
  document.title = `Community Sync · ${tenant.name}`;
  $('who').replaceChildren(
    `Signed in as ${admin.label ?? admin.key}`,
    ' ',
    button('Sign out', signOut, 'link'),
  );
  renderNav();
}

function currentRoute() {
  const [id, query = ''] = location.hash.replace(/^#/, '').split('?');
  const view = VIEWS.find((v) => v.id === id) ?? VIEWS[0];
  return { view, params: new URLSearchParams(query) };
}

function renderNav() {
  const { view } = currentRoute();
  $('nav').replaceChildren(
    h(
      'ul',
      {},
      VIEWS.map((v) =>
        h('li', {}, h('a', { href: `#${v.id}`, 'aria-current': v === view ? 'page' : null }, v.label)),
      ),
    ),
  );
}

let shown = 0;
async function showView({ focus = false } = {}) {
  const ticket = ++shown;
  const { view, params } = currentRoute();
  renderNav();
  const container = $('view');
  container.setAttribute('aria-busy', 'true');
  if (view.id === 'people' && document.activeElement !== $('search'))
    $('search').value = params.get('q') ?? '';
  let module;
  try {
    module = await view.load();
  } catch (error) {
    container.replaceChildren(
      h('p', { className: 'error' }, `This part of the page did not load: ${error.message}`),
    );
    return;
  }
  const content = h('div', { className: `view view-${view.id}` });
  try {
    await module.render(app, content, params);
  } catch (error) {
    content.append(h('p', { className: 'error' }, `Something went wrong: ${error.message}`));
  }
  if (ticket !== shown) return;
  container.replaceChildren(content);
  container.removeAttribute('aria-busy');
  if (focus) container.focus();
}

// Live progress of a run (server-sent events): one stream for the page; views listen while they show.
function watchRuns() {
  if (typeof EventSource === 'undefined') return;
  const source = new EventSource(`/api/tenants/${app.tenantId}/runs/live`);
  source.addEventListener('run', (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    const wasRunning = app.running;
    app.live = data;
    app.running = data.phase !== 'done';
    renderLive();
    for (const listener of app.liveListeners) listener(data);
    if (wasRunning && !app.running) app.reload();
  });
  // A server without the stream answers 404: EventSource then stops by itself, and the page works without it.
}

const PHASES = {
  pulling: 'reading the accounts',
  planning: 'working out the changes',
  writing: 'writing',
  done: 'done',
};
function renderLive() {
  const live = app.live;
  const out = $('live');
  if (!live) {
    out.replaceChildren();
    return;
  }
  const what = live.dryRun ? 'Preview' : live.trigger === 'revert' ? 'Revert' : 'Run';
  const done = live.phase === 'done';
  // Once over, the last state stays as the run's summary until the admin moves on.
  const headline = done
    ? `${what} #${live.runId} ${live.status === 'failed' ? 'failed' : live.status === 'held' ? 'was held before writing' : 'finished'}`
    : `${what} #${live.runId} in progress: ${PHASES[live.phase] ?? live.phase}`;
  out.replaceChildren(
    h(
      'div',
      { className: done ? 'live done' : 'live' },
      h('strong', {}, headline),
      h(
        'ul',
        {},
        (live.accounts ?? []).map((a) =>
          h(
            'li',
            {},
            `${a.name}: `,
            a.pulled ? `read ${a.contacts ?? 0} contacts` : 'reading…',
            !live.dryRun && (live.phase === 'writing' || done)
              ? `, written ${a.written ?? 0} of ${a.toWrite ?? 0}`
              : '',
            live.dryRun && done && a.toWrite ? `, would write ${a.toWrite}` : '',
          ),
        ),
      ),
    ),
  );
}

async function signOut() {
  await api('/api/session/sign-out', { method: 'POST' });
  location.href = '/';
}

// The search box sits above every view: typing shows the matching shared contacts.
let searchTimer = null;
function wireSearch() {
  const input = $('search');
  $('search-form').addEventListener('submit', (event) => event.preventDefault());
  input.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const q = input.value.trim();
      const params = new URLSearchParams(currentRoute().view.id === 'people' ? currentRoute().params : '');
      params.delete('offset');
      if (q) params.set('q', q);
      else params.delete('q');
      const query = params.toString();
      history.replaceState(null, '', `#people${query ? `?${query}` : ''}`);
      showView();
    }, 250);
  });
}

async function start() {
  const params = new URLSearchParams(location.search);
  if (params.get('connected')) app.notice(`Connected ${params.get('connected')}.`);
  if (params.get('installed')) app.notice(`Community Sync is installed for ${params.get('installed')}.`);
  const session = await api('/api/session');
  app.providers = session.providers;
  app.tenantId = session.tenantId;
  if (!app.tenantId) {
    $('sign-in-buttons').replaceChildren(
      ...session.providers.map((p) =>
        h('a', { className: 'button primary', href: `/signin/${p}` }, `Sign in with ${app.providerName(p)}`),
      ),
    );
    $('signed-out').hidden = false;
    return;
  }
  $('tenant').hidden = false;
  $('search').value = currentRoute().params.get('q') ?? '';
  wireSearch();
  await loadState();
  // Moving to another view clears what the last one said.
  window.addEventListener('hashchange', () => {
    app.notice('');
    if (app.live?.phase === 'done') {
      app.live = null;
      renderLive();
    }
    showView({ focus: true });
  });
  await showView();
  watchRuns();
}

start().catch((error) => {
  document.body.append(h('p', { className: 'error' }, `The page could not load: ${error.message}`));
});
