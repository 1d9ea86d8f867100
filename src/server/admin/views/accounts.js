// Accounts: every connected CRM account with its status, last pull, contacts and connection order; approving
// accounts that asked to join, reconnecting, renaming, a phone country per account, disconnecting, Salesforce's
// real-time changes, privacy deletions, connect links, and the log of what admins did.
import { changeCaptureSection } from './change-capture.js';
import { button, confirmDialog, empty, field, h, muted, section, table } from './dom.js';
import { privacyDeletions, privacyIntro, privacyTable } from './privacy.js';

const ACTIONS = {
  install: () => 'installed the app',
  'sign-in': () => 'signed in',
  signin: () => 'signed in',
  settings: (d) => `changed settings: ${Object.keys(d.changed ?? {}).join(', ')}`,
  'connect-link': () => 'made a connection link',
  'reconnect-link': (d) => `made a reconnect link for ${d.account}`,
  'connect-account': (d) => `connected ${d.account}`,
  'reconnect-account': (d) => `reconnected ${d.account}`,
  'approve-account': (d) => `approved ${d.account}`,
  'reject-account': (d) => `rejected ${d.account}`,
  'disconnect-account': (d) => `disconnected ${d.account}`,
  'rename-account': (d) => `renamed ${d.from} to ${d.to}`,
  'account-country': (d) => `set the phone country of ${d.account} to ${d.country ?? 'the default'}`,
  'choose-communities': (d) => `chose the accounts inside ${d.account}`,
  'change-capture': (d) =>
    `turned ${d.enabled ? 'on' : 'off'} real-time changes (Change Data Capture) for ${d.account}`,
  acknowledge: (d) =>
    d.kind === 'export' ? 'acknowledged exporting personal data' : 'acknowledged corporate copies',
  export: () => 'exported shared contacts',
  run: () => 'started a run',
  preview: () => 'previewed a run',
  'preview-revert': (d) => `previewed reverting run #${d.runId}`,
  revert: (d) => `reverted run #${d.runId}`,
  'preview-remove-all': () => 'previewed removing everything the app wrote',
  'remove-all': () => 'removed everything the app wrote',
  uninstall: () => 'uninstalled the app',
};

/** What stands in the way of the app's lists in an account (setting "lists" on; issue 12). */
const LISTS = {
  reconnect: 'needs reconnecting for lists',
  permission: 'may not make lists (ask its admin for the permission)',
  limit: 'allows no more lists (its plan’s cap)',
};

function statusOf(account) {
  if (account.syncing) return { key: 'syncing', text: 'syncing' };
  return (
    {
      connected: { key: 'connected', text: 'connected' },
      pending: { key: 'pending', text: 'pending approval' },
      'needs-reconnect': { key: 'needs-reconnect', text: 'needs reconnect' },
      disconnected: { key: 'disconnected', text: 'disconnected' },
      rejected: { key: 'rejected', text: 'rejected' },
    }[account.status] ?? { key: account.status, text: account.status }
  );
}

export async function render(app, view, params) {
  const w = app.words;
  const { accounts } = app.state;
  view.append(h('h2', {}, 'Accounts'));

  const pending = accounts.filter((a) => a.status === 'pending');
  if (pending.length) {
    view.append(
      h(
        'section',
        { className: 'banner warning', id: 'pending-section' },
        h('h2', {}, 'Waiting for your approval'),
        h(
          'p',
          {},
          'These accounts were connected through a link by someone who is not signed in here as an admin. Nothing is read from or written to them until you approve.',
        ),
        table(
          [
            { label: 'Account', cell: (a) => a.name },
            { label: 'Provider', cell: (a) => app.providerName(a.provider) },
            { label: 'Account id', cell: (a) => a.accountId },
            { label: 'Connected by', cell: (a) => a.requestedBy ?? 'someone' },
            { label: 'When', cell: (a) => app.when(a.connectedAt) },
            {
              label: 'Decision',
              cell: (a) =>
                h(
                  'span',
                  { className: 'buttons' },
                  button('Approve', () => decide(app, a, 'approve'), 'primary'),
                  ' ',
                  button('Reject', () => decide(app, a, 'reject'), 'danger'),
                ),
            },
          ],
          pending,
          'Accounts waiting for approval',
        ),
      ),
    );
  }

  const listed = accounts
    .filter((a) => a.status !== 'pending' && a.status !== 'rejected')
    .sort((a, b) => (a.role === b.role ? (a.order ?? 0) - (b.order ?? 0) : a.role === 'corporate' ? -1 : 1));
  view.append(
    listed.length === 0
      ? empty('No account connected yet.')
      : table(
          [
            {
              label: 'Name',
              cell: (a) =>
                h(
                  'span',
                  {},
                  h('strong', {}, a.name),
                  h('br'),
                  h('span', { className: 'muted' }, app.providerName(a.provider)),
                ),
            },
            { label: 'Role', cell: (a) => (a.role === 'corporate' ? 'Corporate account' : w.Account) },
            {
              label: 'Status',
              cell: (a) => {
                const s = statusOf(a);
                const badge = h('span', { className: `status status-${s.key}` }, s.text);
                const lists = LISTS[a.lists];
                return lists
                  ? h('span', {}, badge, h('br'), h('span', { className: 'muted' }, lists))
                  : badge;
              },
            },
            {
              label: 'Last pull',
              cell: (a) => (a.lastPulledAt ? app.when(a.lastPulledAt, { dateStyle: 'short' }) : '—'),
            },
            { label: 'Contacts', cell: (a) => (a.contactCount ?? '—').toString() },
            { label: 'Order', cell: (a) => (a.role === 'corporate' ? '—' : String(a.order ?? '—')) },
            {
              label: 'Phone country',
              cell: (a) => a.country ?? `default (${app.state.tenant.settings.defaultCountry})`,
            },
            { label: 'Actions', cell: (a) => accountActions(app, a) },
          ],
          listed,
          'Connected accounts',
        ),
    muted(
      `Order is the order the ${w.accounts} were connected in: it decides the primary ${w.account} when everything else is equal.`,
    ),
  );
  if (listed.some((a) => a.lists === 'reconnect'))
    view.append(
      h(
        'p',
        { className: 'banner warning', id: 'lists-reconnect' },
        `Some ${w.accounts} were connected before the lists setting was on: reconnect them (Reconnect) to let Community Sync make its lists there. Their sync goes on meanwhile.`,
      ),
    );

  for (const part of [await changeCaptureSection(app, listed), await privacySection(app)])
    if (part) view.append(part);
  view.append(connectSection(app));
  view.append(await actionsLog(app, params));
  view.append(
    section(
      'Leave',
      h(
        'p',
        {},
        button('Uninstall Community Sync', () => uninstall(app), 'danger'),
      ),
      muted(
        'Uninstalling disconnects every account and revokes the app’s access to them; the history stays, and installing again brings it back.',
      ),
    ),
  );
}

async function privacySection(app) {
  let deletions;
  try {
    deletions = await privacyDeletions(app);
  } catch (error) {
    return section('Privacy deletions', h('p', { className: 'error' }, error.message));
  }
  if (deletions === null) return null;
  return h(
    'section',
    { id: 'privacy-section' },
    h('h2', {}, 'Privacy deletions'),
    deletions.length === 0
      ? empty('None: no CRM has deleted a contact for a privacy request.')
      : [privacyIntro(), privacyTable(app, deletions, 'Privacy deletions')],
  );
}

function accountActions(app, account) {
  const out = h('span', { className: 'buttons' });
  if (account.status === 'disconnected') return out;
  out.append(button('Edit', () => edit(app, account), '', { 'aria-label': `Edit ${account.name}` }));
  out.append(
    ' ',
    button(
      'Reconnect',
      () => reconnect(app, account),
      account.status === 'needs-reconnect' || account.lists === 'reconnect' ? 'primary' : '',
      { 'aria-label': `Reconnect ${account.name}` },
    ),
  );
  if (account.provider === 'salesforce' && account.status === 'connected' && account.role === 'child') {
    out.classList.add('many');
    out.append(
      ' ',
      button(`Choose ${app.words.accounts}`, () => chooseInner(app, account)),
    );
  }
  out.append(
    ' ',
    button('Disconnect', () => disconnect(app, account), 'danger', {
      'aria-label': `Disconnect ${account.name}`,
    }),
  );
  return out;
}

/** Does an admin action, reloads, then says what happened. */
async function act(app, work, done) {
  let said = done;
  let kind = 'ok';
  try {
    await work();
  } catch (error) {
    said = error.message;
    kind = 'error';
  }
  await app.reload();
  app.notice(said, kind);
}

async function decide(app, account, decision) {
  const approve = decision === 'approve';
  const ok = await confirmDialog({
    title: `${approve ? 'Approve' : 'Reject'} ${account.name}?`,
    body: `${account.name} (${app.providerName(account.provider)} account ${account.accountId}), connected by ${account.requestedBy ?? 'someone'}.${approve ? ' Community Sync starts reading it and tagging its shared contacts on the next run.' : ' Its access is revoked.'}`,
    confirm: approve ? 'Approve' : 'Reject',
    danger: !approve,
  });
  if (!ok) return;
  await act(
    app,
    () => app.api(`/accounts/${account.id}/${decision}`, { method: 'POST' }),
    approve ? `${account.name} is connected.` : `${account.name} was rejected; its access is revoked.`,
  );
}

async function edit(app, account) {
  const name = h('input', { value: account.name, required: true, maxlength: 200, autocomplete: 'off' });
  const country = h('input', {
    value: account.country ?? '',
    maxlength: 2,
    size: 4,
    autocomplete: 'off',
    pattern: '[A-Za-z]{2}',
  });
  const ok = await confirmDialog({
    title: `Edit ${account.name}`,
    body: [],
    content: h(
      'div',
      {},
      field('Name', name, 'Used in tags (engaging-in-…) and in the reason sentences.'),
      field(
        'Phone country',
        country,
        `Two-letter code such as US or GB, for phone numbers written without a country code. Empty: the default (${app.state.tenant.settings.defaultCountry}).`,
      ),
    ),
    confirm: 'Save',
  });
  if (!ok) return;
  const body = {};
  if (name.value.trim() !== account.name) body.name = name.value.trim();
  const code = country.value.trim().toUpperCase() || null;
  if (code !== (account.country ?? null)) body.country = code;
  if (Object.keys(body).length === 0) return;
  await act(
    app,
    async () => {
      const answer = await app.optional(`/accounts/${account.id}`, { method: 'PATCH', body });
      if (!answer) throw new Error('Editing accounts is not available on this server yet.');
    },
    `${body.name ?? account.name} is saved.`,
  );
}

async function reconnect(app, account) {
  try {
    const { url } = await app.api('/connect-links', { method: 'POST', body: { accountId: account.id } });
    location.href = url;
  } catch (error) {
    app.notice(error.message, 'error');
  }
}

async function disconnect(app, account) {
  const w = app.words;
  const corporate = account.role === 'corporate';
  const ok = await confirmDialog({
    title: `Disconnect ${account.name}?`,
    body: [
      'Community Sync loses its access and stops reading and writing it. Its history is kept.',
      corporate
        ? 'The corporate copies and their tags stay as they are; no new copies are made until a corporate account is connected again.'
        : `The tags Community Sync wrote in ${account.name} stay there: remove them first (History, “Remove everything Community Sync wrote”) if you do not want them. Its people no longer count as shared in the other ${w.accounts}, so their tags change on the next run.`,
    ],
    confirm: 'Disconnect',
    danger: true,
  });
  if (!ok) return;
  await act(
    app,
    () => app.api(`/accounts/${account.id}`, { method: 'DELETE' }),
    `Disconnected ${account.name}.`,
  );
}

function connectSection(app) {
  const w = app.words;
  const provider = h(
    'select',
    {},
    app.providers.map((p) => h('option', { value: p }, app.providerName(p))),
  );
  const role = h(
    'select',
    {},
    h('option', { value: 'child' }, w.Account),
    h('option', { value: 'corporate' }, 'Corporate account'),
  );
  const linkOut = h('div', { hidden: true });
  const link = async () =>
    (
      await app.api('/connect-links', {
        method: 'POST',
        body: { provider: provider.value, role: role.value },
      })
    ).url;
  return section(
    'Connect an account',
    h('div', { className: 'inline-fields' }, field('Provider', provider), field('Connect as', role)),
    h(
      'p',
      { className: 'actions' },
      button(
        'Connect now',
        async () => {
          location.href = await link();
        },
        'primary',
      ),
      ' ',
      button('Copy a link for someone else', async () => {
        const input = h('input', { value: await link(), readonly: true, size: 60 });
        linkOut.replaceChildren(
          field(
            'Connection link',
            input,
            'Send it to the account’s owner; the account waits for your approval once they connect it.',
          ),
        );
        linkOut.hidden = false;
        input.select();
      }),
    ),
    linkOut,
    muted('Links last 10 minutes.'),
  );
}

async function chooseInner(app, account) {
  const w = app.words;
  let inner;
  try {
    ({ accounts: inner } = await app.api(`/accounts/${account.id}/inner-accounts`));
  } catch (error) {
    app.notice(error.message, 'error');
    return;
  }
  const rows = inner.map((a) => ({
    a,
    parent: h('input', {
      type: 'radio',
      name: 'parent',
      value: a.id,
      checked: a.parentId === null,
      'aria-label': `${a.name} is the corporate parent`,
    }),
    child: h('input', {
      type: 'checkbox',
      value: a.id,
      checked: a.parentId !== null,
      'aria-label': `${a.name} is a ${w.account}`,
    }),
  }));
  const ok = await confirmDialog({
    title: `Choose the ${w.accounts} of ${account.name}`,
    body: `Pick the corporate parent Account and the ${w.accounts} of this Salesforce org.`,
    content: table(
      [
        { label: 'Account', cell: (r) => r.a.name },
        { label: 'Corporate parent', cell: (r) => r.parent },
        { label: w.Account, cell: (r) => r.child },
      ],
      rows,
      `Accounts of ${account.name}`,
    ),
    confirm: `Use these ${w.accounts}`,
  });
  if (!ok) return;
  const parentId = rows.find((r) => r.parent.checked)?.a.id;
  const communityIds = rows.filter((r) => r.child.checked && r.a.id !== parentId).map((r) => r.a.id);
  await act(
    app,
    () =>
      app.api(`/accounts/${account.id}/communities`, { method: 'POST', body: { parentId, communityIds } }),
    `${communityIds.length} ${w.accounts} connected.`,
  );
}

async function actionsLog(app, params) {
  const before = params.get('actionsBefore');
  const limit = 20;
  let actions = [];
  try {
    ({ actions } = await app.api(`/admin-actions?limit=${limit}${before ? `&before=${before}` : ''}`));
  } catch (error) {
    return section('What admins did', h('p', { className: 'error' }, error.message));
  }
  const older = actions.length === limit ? actions.at(-1).id : null;
  return section(
    'What admins did',
    actions.length === 0
      ? empty('Nothing yet.')
      : table(
          [
            { label: 'When', cell: (a) => app.when(a.at) },
            { label: 'Who', cell: (a) => a.actorLabel ?? a.actor },
            { label: 'What', cell: (a) => (ACTIONS[a.action] ?? (() => a.action))(a.detail ?? {}) },
          ],
          actions,
          'What admins did',
        ),
    h(
      'nav',
      { className: 'pager', 'aria-label': 'Pages of admin actions' },
      button('Newer', () => history.back(), '', { disabled: !before }),
      button(
        'Older',
        () => {
          location.hash = `accounts?actionsBefore=${older}`;
        },
        '',
        { disabled: !older },
      ),
    ),
  );
}

async function uninstall(app) {
  const ok = await confirmDialog({
    title: 'Uninstall Community Sync?',
    body: 'Every account is disconnected and the app loses access to them. The tags it wrote stay in your CRMs.',
    confirm: 'Uninstall',
    danger: true,
  });
  if (!ok) return;
  try {
    await app.api('', { method: 'DELETE' });
    location.href = '/';
  } catch (error) {
    app.notice(error.message, 'error');
  }
}
