// Salesforce's real-time changes: an opt-in per Salesforce account for Change Data Capture (the app polls each org
// once a minute otherwise). HubSpot accounts get no toggle: their changes arrive by webhook.
import { field, h, muted, uniqueId } from './dom.js';

const ACTIVE = ['connected', 'needs-reconnect'];

const HELP =
  'Changes show up in seconds instead of within a minute. It needs the org’s permission (the connected user must be allowed to customise the org); Community Sync selects the entities itself.';

/** What the status means to the admin; `detail` is the server's reason, said as it is. */
function statusLine(answer) {
  const detail = answer.detail ? ` ${answer.detail}` : '';
  switch (answer.status) {
    case 'off':
      return { kind: 'off', text: 'Off: changes are picked up within a minute.' };
    case 'starting':
      return { kind: 'starting', text: 'Starting: Community Sync turns it on within 30 seconds.' };
    case 'streaming':
      return { kind: 'streaming', text: 'On: changes arrive in seconds.' };
    case 'unavailable':
      return {
        kind: 'unavailable',
        text: `On, but the stream is down for now: changes are picked up within a minute meanwhile.${detail}`,
      };
    case 'unsupported':
      return {
        kind: 'unsupported',
        text: `Not possible in this org:${detail || ' it refused to select the entities.'}`,
      };
    default:
      return { kind: 'off', text: `${answer.status}.${detail}` };
  }
}

/** Re-reads a "starting" status a few times, so the admin sees it stream (or why not) without reloading. */
const RECHECK_MS = 5_000;
const RECHECKS = 12;

function accountToggle(app, account, initial) {
  const checkbox = h('input', {
    type: 'checkbox',
    name: 'change-capture',
    checked: initial?.enabled ?? false,
  });
  const statusId = uniqueId('capture-status');
  const status = h('p', { className: 'capture-status', id: statusId, role: 'status' });
  let rechecks = 0;
  let timer = null;

  const show = (answer) => {
    const line = statusLine(answer);
    status.className = `capture-status capture-${line.kind}`;
    status.textContent = line.text;
    clearTimeout(timer);
    if (answer.status === 'starting' && rechecks < RECHECKS)
      timer = setTimeout(async () => {
        rechecks += 1;
        if (!checkbox.isConnected || checkbox.disabled) return;
        const again = await app.optional(`/accounts/${account.id}/change-capture`).catch(() => null);
        if (again && checkbox.isConnected && !checkbox.disabled) show(again);
      }, RECHECK_MS);
  };
  const failed = (message) => {
    status.className = 'capture-status error';
    status.textContent = message;
  };

  checkbox.addEventListener('change', async () => {
    const enabled = checkbox.checked;
    checkbox.disabled = true;
    status.className = 'capture-status';
    status.textContent = enabled ? 'Turning on…' : 'Turning off…';
    try {
      const answer = await app.api(`/accounts/${account.id}/change-capture`, {
        method: 'PUT',
        body: { enabled },
      });
      checkbox.checked = answer.enabled;
      rechecks = 0;
      show(answer);
    } catch (error) {
      checkbox.checked = !enabled;
      failed(error.message);
    } finally {
      checkbox.disabled = false;
      checkbox.focus();
    }
  });

  if (initial?.error) failed(initial.error);
  else if (initial) show(initial);
  const control = field('Real-time changes (Change Data Capture)', checkbox, HELP);
  checkbox.setAttribute('aria-describedby', `${checkbox.getAttribute('aria-describedby')} ${statusId}`);
  return h('fieldset', { className: 'capture' }, h('legend', {}, account.name), control, status);
}

/** The section for the tenant's Salesforce accounts; null when it has none (or the server lacks the route). */
export async function changeCaptureSection(app, accounts) {
  const salesforce = accounts.filter((a) => a.provider === 'salesforce' && ACTIVE.includes(a.status));
  if (salesforce.length === 0) return null;
  const answers = await Promise.all(
    salesforce.map((a) =>
      app.optional(`/accounts/${a.id}/change-capture`).catch((error) => ({ error: error.message })),
    ),
  );
  if (answers.every((answer) => answer === null)) return null;
  return h(
    'section',
    { id: 'change-capture-section' },
    h('h2', {}, 'Salesforce changes'),
    muted('Community Sync looks for changes in each Salesforce org once a minute.'),
    salesforce.map((a, i) => accountToggle(app, a, answers[i])),
  );
}
