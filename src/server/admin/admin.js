// The admin page's script (served as a file: the Content-Security-Policy allows no inline script).
const $ = (id) => document.getElementById(id);
const text = (value) => document.createTextNode(String(value ?? ''));
const row = (cells) => {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.append(c instanceof Node ? c : text(c));
    tr.append(td);
  }
  return tr;
};
const button = (label, onclick, className = '') => {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.className = className;
  b.onclick = onclick;
  return b;
};
const api = async (path, options = {}) => {
  const response = await fetch(path, { headers: { 'content-type': 'application/json' }, ...options });
  const body = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? response.statusText);
  return body;
};
const PROVIDERS = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
const providerName = (p) => PROVIDERS[p] ?? p;
const when = (value) => new Date(value).toLocaleString();

const ACTIONS = {
  install: () => 'installed the app',
  'sign-in': () => 'signed in',
  settings: (d) => `changed settings: ${Object.keys(d.changed ?? {}).join(', ')}`,
  'connect-link': (d) => `made a ${providerName(d.provider)} connection link`,
  'connect-account': (d) => `connected ${d.account}`,
  'approve-account': (d) => `approved ${d.account}`,
  'reject-account': (d) => `rejected ${d.account}`,
  'disconnect-account': (d) => `disconnected ${d.account}`,
  'choose-communities': (d) => `chose the communities of ${d.account}`,
  run: () => 'started a run',
  preview: () => 'previewed a run',
  uninstall: () => 'uninstalled the app',
};

const params = new URLSearchParams(location.search);
if (params.get('connected')) $('notice').textContent = `Connected ${params.get('connected')}.`;
if (params.get('installed'))
  $('notice').textContent = `Community Sync is installed for ${params.get('installed')}.`;
const { tenantId, providers } = await api('/api/session');

$('sign-in-buttons').replaceChildren(
  ...providers.map((p) => {
    const a = document.createElement('a');
    a.className = 'button primary';
    a.href = `/signin/${p}`;
    a.textContent = `Sign in with ${providerName(p)}`;
    return a;
  }),
);
if (!tenantId) {
  $('signed-out').hidden = false;
} else {
  await load();
}

async function load() {
  const { tenant, admin, accounts, runs } = await api(`/api/tenants/${tenantId}`);
  $('title').textContent = `Community Sync — ${tenant.name}`;
  $('who').textContent = `Signed in as ${admin.label ?? admin.key}`;
  $('tenant').hidden = false;
  const pending = accounts.filter((a) => a.status === 'pending');
  $('pending-section').hidden = pending.length === 0;
  $('pending').replaceChildren(
    ...pending.map((a) => {
      const actions = document.createElement('span');
      actions.append(
        button('Approve', () => decide(a, 'approve'), 'primary'),
        ' ',
        button('Reject', () => decide(a, 'reject'), 'danger'),
      );
      return row([
        a.name,
        providerName(a.provider),
        a.accountId,
        a.requestedBy ?? 'someone',
        when(a.connectedAt),
        actions,
      ]);
    }),
  );
  const listed = accounts.filter((a) => a.status !== 'pending' && a.status !== 'rejected');
  $('accounts').replaceChildren(
    ...listed.map((a) => {
      const status = document.createElement('span');
      status.className = `status-${a.status}`;
      status.textContent = a.status === 'needs-reconnect' ? 'needs reconnecting' : a.status;
      const actions = document.createElement('span');
      if (a.status !== 'disconnected') {
        actions.append(
          button('Disconnect', async () => {
            if (!confirm(`Disconnect ${a.name}? The app's access to it is revoked; its history is kept.`))
              return;
            await act(
              () => api(`/api/tenants/${tenantId}/accounts/${a.id}`, { method: 'DELETE' }),
              `Disconnected ${a.name}.`,
            );
          }),
        );
      }
      if (a.provider === 'salesforce' && a.status === 'connected') {
        actions.append(
          ' ',
          button('Choose communities', () => chooseCommunities(a.id)),
        );
      }
      return row([a.name, a.role, providerName(a.provider), status, actions]);
    }),
  );
  const s = tenant.settings;
  const form = $('settings');
  form.enabled.checked = s.enabled;
  form.mode.value = s.mode;
  form.matchOn.value = s.matchOn;
  form.tags.value = s.tags.join(', ');
  form.copyToCorporate.checked = s.copyToCorporate;
  form.time.value = s.schedule.time;
  form.timeZone.value = s.schedule.timeZone;
  $('runs').replaceChildren(
    ...runs.map((r) =>
      row([
        r.id,
        when(r.startedAt),
        r.trigger + (r.dryRun ? ' (preview)' : ''),
        r.status,
        r.shared,
        r.changes,
      ]),
    ),
  );
  const { actions } = await api(`/api/tenants/${tenantId}/admin-actions?limit=20`);
  $('actions').replaceChildren(
    ...actions.map((a) =>
      row([when(a.at), a.actorLabel ?? a.actor, (ACTIONS[a.action] ?? (() => a.action))(a.detail)]),
    ),
  );
}

/** Does an admin action, then shows the page as it now is and says what happened. */
async function act(work, done) {
  let said = done;
  try {
    await work();
  } catch (error) {
    said = error.message;
  }
  await load();
  $('notice').textContent = said;
}

function decide(account, decision) {
  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  if (!confirm(`${verb} ${account.name} (${providerName(account.provider)} account ${account.accountId})?`))
    return;
  return act(
    () => api(`/api/tenants/${tenantId}/accounts/${account.id}/${decision}`, { method: 'POST' }),
    decision === 'approve'
      ? `${account.name} is connected.`
      : `${account.name} was rejected; its access is revoked.`,
  );
}

$('settings').onsubmit = async (event) => {
  event.preventDefault();
  const form = event.target;
  $('settings-error').textContent = '';
  try {
    await api(`/api/tenants/${tenantId}/settings`, {
      method: 'PUT',
      body: JSON.stringify({
        enabled: form.enabled.checked,
        mode: form.mode.value,
        matchOn: form.matchOn.value,
        tags: form.tags.value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        copyToCorporate: form.copyToCorporate.checked,
        schedule: { time: form.time.value, timeZone: form.timeZone.value },
      }),
    });
    $('notice').textContent = 'Settings saved.';
    await load();
  } catch (error) {
    $('settings-error').textContent = error.message;
  }
};

$('connect-provider').replaceChildren(
  ...providers.map((p) => {
    const o = document.createElement('option');
    o.value = p;
    o.textContent = providerName(p);
    return o;
  }),
);
const connectLink = async () =>
  (
    await api(`/api/tenants/${tenantId}/connect-links`, {
      method: 'POST',
      body: JSON.stringify({ provider: $('connect-provider').value }),
    })
  ).url;
$('connect').onclick = async () => {
  location.href = await connectLink();
};
$('copy-link').onclick = async () => {
  $('link').value = await connectLink();
  $('link-out').hidden = false;
  $('link').select();
  $('notice').textContent =
    'Send this link to the account’s owner; the account waits for your approval once they connect it.';
};

let pickingFrom = null;
async function chooseCommunities(accountId) {
  const { accounts } = await api(`/api/tenants/${tenantId}/accounts/${accountId}/inner-accounts`);
  pickingFrom = accountId;
  $('inner').replaceChildren(
    ...accounts.map((a) => {
      const parent = document.createElement('input');
      parent.type = 'radio';
      parent.name = 'parent';
      parent.value = a.id;
      parent.checked = a.parentId === null;
      const community = document.createElement('input');
      community.type = 'checkbox';
      community.name = 'community';
      community.value = a.id;
      community.checked = a.parentId !== null;
      return row([a.name, parent, community]);
    }),
  );
  $('communities').hidden = false;
}
$('communities').onsubmit = async (event) => {
  event.preventDefault();
  $('communities-error').textContent = '';
  const form = event.target;
  const parentId = form.querySelector('input[name=parent]:checked')?.value;
  const communityIds = [...form.querySelectorAll('input[name=community]:checked')]
    .map((c) => c.value)
    .filter((id) => id !== parentId);
  try {
    await api(`/api/tenants/${tenantId}/accounts/${pickingFrom}/communities`, {
      method: 'POST',
      body: JSON.stringify({ parentId, communityIds }),
    });
    $('communities').hidden = true;
    $('notice').textContent = `${communityIds.length} communities connected.`;
    await load();
  } catch (error) {
    $('communities-error').textContent = error.message;
  }
};

const run = async (dryRun) => {
  $('notice').textContent = dryRun ? 'Previewing…' : 'Running…';
  try {
    const result = await api(`/api/tenants/${tenantId}/runs`, {
      method: 'POST',
      body: JSON.stringify({ dryRun }),
    });
    $('notice').textContent =
      `${result.shared.length} shared contacts; ${dryRun ? `${result.changes} changes would be written` : `${result.written} changes written`}.`;
    const list = document.createElement('ul');
    for (const person of result.shared.slice(0, 50)) {
      const li = document.createElement('li');
      li.textContent = `${person.members.length} records, primary ${person.primaryAccountId}: ${person.explanation}`;
      list.append(li);
    }
    $('preview-result').replaceChildren(list);
    await load();
  } catch (error) {
    $('notice').textContent = error.message;
  }
};
$('preview').onclick = () => run(true);
$('run').onclick = () => run(false);
$('sign-out').onclick = async () => {
  await api('/api/session/sign-out', { method: 'POST' });
  location.href = '/';
};
$('uninstall').onclick = async () => {
  if (!confirm('Uninstall Community Sync? Every account is disconnected and the app loses access to them.'))
    return;
  try {
    await api(`/api/tenants/${tenantId}`, { method: 'DELETE' });
    location.href = '/';
  } catch (error) {
    $('notice').textContent = error.message;
  }
};
