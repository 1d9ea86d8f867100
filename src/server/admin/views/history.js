// History: every run, newest first, paged; each opens to its calls, warnings, errors and audit entries. Undo:
// revert one run, or remove everything the app wrote; both are previewed first and turn the service off.
import {
  button,
  chip,
  confirmDialog,
  empty,
  formatDuration,
  h,
  muted,
  pager,
  plural,
  recordLink,
  section,
  table,
} from './dom.js';

const PAGE_SIZE = 20;

const TRIGGERS = {
  admin: 'started from this page',
  schedule: 'daily run',
  scheduled: 'daily run',
  webhook: 'a change in a CRM',
  resync: 'a change in a CRM',
  revert: 'revert',
  'remove-all': 'remove everything',
  'sandbox start': 'first run of the demo',
  cli: 'command line',
};

const WARNINGS = {
  'junk-key': 'Junk keys: an email or phone on too many contacts in one account, not used for matching',
  'invalid-phone': 'Phone numbers that could not be read',
  'invalid-email': 'Email addresses that are not valid',
  'unknown-stage': 'Stages the app does not know (counted as no stage)',
  'oversized-cluster': 'Groups too large to be one person (not tagged)',
  'segments-permission': 'Accounts where the app may not make its lists (reconnect them to grant it)',
  'segments-limit': 'Accounts whose plan allows no more lists',
  'segments-missing': 'Lists deleted in an account (turn the lists setting off and on to make them again)',
  'segments-failed': 'Accounts whose lists could not be checked this run (checked again next run)',
};

export async function render(app, view, params) {
  const before = params.get('before');
  view.append(h('h2', {}, 'History'));
  if (app.undoResult) view.append(undoPanel(app, app.undoResult));
  view.append(
    h(
      'p',
      { className: 'actions' },
      button(
        'Remove everything Community Sync wrote',
        () => undo(app, { path: '/remove-all', what: 'everything' }),
        'danger',
      ),
    ),
    muted(
      'Removes the app’s tags from every record in every account. Corporate copies stay: you get their list to delete them yourself.',
    ),
  );

  let page;
  try {
    page = await app.optional(
      `/runs?limit=${PAGE_SIZE}${before ? `&before=${encodeURIComponent(before)}` : ''}`,
    );
  } catch (error) {
    view.append(h('p', { className: 'error' }, error.message));
    return;
  }
  const runs = page?.runs ?? app.state.runs;
  if (!page)
    view.append(muted('Showing the last 10 runs (this server does not page through older ones yet).'));
  if (runs.length === 0) {
    view.append(empty('No runs yet.'));
    return;
  }
  view.append(
    h(
      'div',
      { className: 'runs' },
      runs.map((run) => runItem(app, run)),
    ),
  );
  if (page) {
    view.append(
      h(
        'nav',
        { className: 'pager', 'aria-label': 'Pages of runs' },
        button('Newer runs', () => history.back(), '', { disabled: !before }),
        h('span', {}, `Runs #${runs.at(-1).id}–#${runs[0].id}`),
        button(
          'Older runs',
          () => {
            location.hash = `history?before=${page.nextBefore}`;
          },
          '',
          { disabled: !page.nextBefore },
        ),
      ),
    );
  }
}

function outcome(run) {
  if (run.dryRun) return `preview: would write ${plural(run.wouldWrite ?? run.changes ?? 0, 'record')}`;
  if (run.status === 'held')
    return `held: would write ${plural(run.wouldWrite ?? run.changes ?? 0, 'record')}, waiting for you`;
  if (run.status === 'running') return 'running';
  return `${run.status}: ${plural(run.written ?? run.changes ?? 0, 'record')} written`;
}

function runItem(app, run) {
  const trigger = run.revertOf ? `revert of run #${run.revertOf}` : (TRIGGERS[run.trigger] ?? run.trigger);
  const body = h('div', { className: 'run-body' });
  const details = h(
    'details',
    { className: `run status-${run.status}` },
    h(
      'summary',
      {},
      h('strong', {}, `#${run.id}`),
      ` ${app.when(run.startedAt)} · ${run.dryRun ? 'Preview' : 'Run'} (${trigger}) · `,
      h('span', { className: `outcome outcome-${run.dryRun ? 'preview' : run.status}` }, outcome(run)),
    ),
    body,
  );
  let filled = false;
  details.addEventListener('toggle', () => {
    if (details.open && !filled) {
      filled = true;
      fillRun(app, run, body);
    }
  });
  return details;
}

async function fillRun(app, summary, body) {
  let run = summary;
  try {
    run = (await app.optional(`/runs/${summary.id}`)) ?? summary;
  } catch {}
  const calls = Array.isArray(run.calls)
    ? run.calls
    : Object.entries(run.calls ?? {}).map(([accountId, stats]) => ({
        accountId,
        name: app.accountName(accountId),
        calls: stats.calls ?? stats.total ?? 0,
      }));
  body.append(
    h(
      'dl',
      { className: 'facts' },
      h('dt', {}, 'Duration'),
      h(
        'dd',
        {},
        formatDuration(
          run.durationMs ?? (run.endedAt ? new Date(run.endedAt) - new Date(run.startedAt) : null),
        ),
      ),
      h('dt', {}, 'Shared people'),
      h('dd', {}, String(run.shared ?? '—')),
      h('dt', {}, run.dryRun || run.status === 'held' ? 'Would write' : 'Written'),
      h(
        'dd',
        {},
        String((run.dryRun || run.status === 'held' ? run.wouldWrite : run.written) ?? run.changes ?? 0),
      ),
    ),
  );
  if (run.heldReason) body.append(h('p', { className: 'banner warning' }, `Held: ${run.heldReason}`));
  if (calls.length)
    body.append(
      h('h3', {}, 'API calls per account'),
      table(
        [
          { label: 'Account', cell: (c) => c.name ?? app.accountName(c.accountId) },
          { label: 'Calls', cell: (c) => String(c.calls ?? 0) },
        ],
        calls,
        'API calls per account',
      ),
    );
  for (const warning of Array.isArray(run.warnings) && run.warnings[0]?.code && 'count' in run.warnings[0]
    ? run.warnings
    : []) {
    body.append(
      h(
        'details',
        { className: 'warning-group' },
        h('summary', {}, `${WARNINGS[warning.code] ?? warning.code}: ${warning.count}`),
        h(
          'ul',
          {},
          warning.items.map((i) =>
            h(
              'li',
              {},
              `${i.accountName ?? app.accountName(i.accountId)}: record ${i.contactId ?? '—'}${i.detail ? ` (${i.detail})` : ''}`,
            ),
          ),
        ),
        warning.count > warning.items.length
          ? muted(`and ${warning.count - warning.items.length} more.`)
          : null,
      ),
    );
  }
  if (run.errors?.length)
    body.append(
      h('h3', {}, 'Errors'),
      h(
        'ul',
        { className: 'errors' },
        run.errors.map((e) =>
          h(
            'li',
            {},
            h('strong', {}, e.accountName ?? app.accountName(e.accountId) ?? ''),
            `: ${e.message}${e.kind ? ` (${e.kind})` : ''}`,
          ),
        ),
      ),
    );
  const audit = h('div', { className: 'audit' });
  const actions = h(
    'p',
    { className: 'actions' },
    button('Show each change (audit)', () => showAudit(app, run, audit, 0)),
  );
  if (
    !run.dryRun &&
    run.status !== 'held' &&
    run.status !== 'running' &&
    (run.written ?? run.changes ?? 0) > 0
  )
    actions.append(
      ' ',
      button(
        'Revert this run',
        () => undo(app, { path: `/runs/${run.id}/revert`, what: `run #${run.id}` }),
        'danger',
      ),
    );
  body.append(actions, audit);
}

async function showAudit(app, run, out, offset) {
  const limit = 50;
  let page;
  try {
    page = await app.api(`/runs/${run.id}/audit?limit=${limit}&offset=${offset}`);
  } catch (error) {
    out.replaceChildren(h('p', { className: 'error' }, error.message));
    return;
  }
  const entries = page.entries ?? [];
  const total = page.total ?? null;
  out.replaceChildren(
    entries.length === 0
      ? empty('This run changed no record.')
      : table(
          [
            { label: 'Person', cell: (e) => e.name || `Record ${e.recordId}` },
            { label: 'Account', cell: (e) => e.accountName ?? app.accountName(e.accountId) },
            {
              label: 'Change',
              cell: (e) => h('span', { className: 'chips' }, tagList(e.before), ' → ', tagList(e.after)),
            },
            { label: 'Status', cell: (e) => `${e.status}${e.detail ? `: ${e.detail}` : ''}` },
          ],
          entries,
          `Changes of run #${run.id}`,
        ),
    total === null && offset === 0 && entries.length < limit
      ? null
      : pager({
          offset,
          count: entries.length,
          total,
          label: 'changes',
          onPage: (step) => showAudit(app, run, out, Math.max(0, offset + step * limit)),
        }),
  );
}

const tagList = (tags) => (tags?.length ? tags.map(chip) : h('span', { className: 'muted' }, 'no tags'));

/** Revert one run, or remove everything: preview, confirm, run; then the copies to delete and "the service is off". */
async function undo(app, { path, what }) {
  app.notice('Working out what would be undone… nothing is written.');
  let planned;
  try {
    planned = await app.optional(path, { method: 'POST', body: { dryRun: true } });
  } catch (error) {
    app.notice(error.message, 'error');
    return;
  }
  if (!planned) {
    app.notice('Undo is not available on this server yet.', 'error');
    return;
  }
  app.notice('');
  const everything = what === 'everything';
  const ok = await confirmDialog({
    title: everything ? 'Remove everything Community Sync wrote?' : `Revert ${what}?`,
    body: [
      everything
        ? `${plural(planned.changes, 'record')} will lose the tags Community Sync wrote, in every account.`
        : `${plural(planned.changes, 'record')} will get back the tags they had before ${what}.`,
      'Community Sync is then turned off, so the next run does not write it again. Turn it on in Settings when you are ready.',
      planned.copiesCreated?.length
        ? `${plural(planned.copiesCreated.length, 'corporate copy', 'corporate copies')} stay: the app never deletes a record. You get their list to delete them yourself.`
        : '',
    ].filter(Boolean),
    confirm: everything ? 'Remove everything' : 'Revert',
    danger: true,
  });
  if (!ok) return;
  app.notice('Undoing… progress shows above.');
  // Said once the page shows the outcome.
  let said;
  try {
    const result = await app.api(path, { method: 'POST', body: { dryRun: false } });
    app.undoResult = { what, written: result.written, copiesCreated: result.copiesCreated ?? [] };
    said = [`${everything ? 'Removed' : 'Reverted'}: ${plural(result.written, 'record')} written.`];
  } catch (error) {
    said = [error.message, 'error'];
  }
  await app.reload();
  app.notice(...said);
}

function undoPanel(app, result) {
  return section(
    result.what === 'everything'
      ? 'Everything Community Sync wrote is removed'
      : `Run ${result.what.replace('run ', '')} is reverted`,
    h(
      'p',
      { className: 'banner warning' },
      'Community Sync is now off: no daily or automatic run happens until you turn it on in ',
      h('a', { href: '#settings' }, 'Settings'),
      '.',
    ),
    result.copiesCreated.length === 0
      ? muted('No corporate copy to delete.')
      : h(
          'div',
          {},
          h(
            'p',
            {},
            `The app created these ${plural(result.copiesCreated.length, 'corporate copy', 'corporate copies')}. Delete them in your CRM if you no longer want them:`,
          ),
          h(
            'ul',
            { className: 'copies' },
            result.copiesCreated.map((c) =>
              h('li', {}, recordLink(c.url, `Record ${c.recordId}`), ` in ${app.accountName(c.accountId)}`),
            ),
          ),
        ),
    h(
      'p',
      {},
      button('Done', () => {
        app.undoResult = null;
        app.go('history');
      }),
    ),
  );
}
