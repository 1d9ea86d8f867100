// Shared contacts: one row per shared person of the last run (or of a preview), searched, sorted and paged by
// the server; each community links to the record in its CRM. Export CSV reads emails and phones live.
import { button, chip, confirmDialog, empty, h, muted, pager, recordLink, table } from './dom.js';

const PAGE_SIZE = 25;

export async function render(app, view, params) {
  const w = app.words;
  const q = params.get('q') ?? '';
  const sort = params.get('sort') ?? 'name';
  const dir = params.get('dir') === 'desc' ? 'desc' : 'asc';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const run = params.get('run') ?? 'latest';
  const query = new URLSearchParams({ run, sort, dir, limit: String(PAGE_SIZE), offset: String(offset) });
  if (q) query.set('q', q);

  const heading = h('h2', {}, 'Shared contacts');
  const exportArea = h('div', { className: 'export' });
  view.append(h('div', { className: 'heading-row' }, heading, exportArea));

  let result;
  try {
    result = await app.optional(`/people?${query}`);
  } catch (error) {
    view.append(h('p', { className: 'error' }, error.message));
    return;
  }
  if (!result) {
    view.append(empty('The list of shared contacts is not available on this server yet.'));
    return;
  }
  exportArea.append(exportButton(app, result.run));
  if (result.run?.dryRun) {
    view.append(
      h(
        'p',
        { className: 'banner' },
        `From the preview of ${app.when(result.run.startedAt)}: nothing has been written yet.`,
      ),
    );
  } else if (result.run) {
    view.append(muted(`From run #${result.run.id} of ${app.when(result.run.startedAt)}.`));
  }
  if (!result.run) {
    view.append(empty('No run yet: shared contacts appear here after the first preview or run.'));
    return;
  }
  if (result.people.length === 0) {
    view.append(empty(q ? `No shared contact matches “${q}”.` : 'No shared contacts in this run.'));
    return;
  }

  const go = (changes) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key);
      else next.set(key, String(value));
    }
    location.hash = `people?${next}`;
  };
  const sortable = (key, label) => ({
    label,
    thAttributes: { 'aria-sort': sort === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none' },
    header: button(
      [
        label,
        h(
          'span',
          { className: 'sort-mark', 'aria-hidden': 'true' },
          sort === key ? (dir === 'asc' ? ' ▲' : ' ▼') : ' ↕',
        ),
      ],
      () => go({ sort: key, dir: sort === key && dir === 'asc' ? 'desc' : 'asc', offset: null }),
      'sort',
    ),
  });

  view.append(
    table(
      [
        { ...sortable('name', 'Name'), cell: (p) => h('strong', {}, p.name || 'Unnamed') },
        {
          ...sortable('communities', w.Accounts),
          cell: (p) =>
            h(
              'ul',
              { className: 'plain' },
              p.members.map((m) => h('li', {}, recordLink(m.url, m.accountName))),
            ),
        },
        { ...sortable('primary', `Primary ${w.account}`), cell: (p) => p.primary?.name ?? '—' },
        { label: 'Why', cell: (p) => h('span', { className: 'reason' }, p.explanation ?? p.reason ?? '') },
        { label: 'Tags', cell: (p) => h('span', { className: 'chips' }, (p.tags ?? []).map(chip)) },
        {
          ...sortable('first', 'Had them first'),
          cell: (p) =>
            p.first
              ? h(
                  'span',
                  {},
                  p.first.name,
                  h('br'),
                  h('span', { className: 'muted' }, app.day(p.first.createdAt)),
                )
              : '—',
        },
      ],
      result.people,
      'Shared contacts',
    ),
    pager({
      offset,
      count: result.people.length,
      total: result.total,
      label: 'rows',
      onPage: (step) => go({ offset: Math.max(0, offset + step * PAGE_SIZE) }),
    }),
  );
}

/** Export CSV: the first export asks for the acknowledgement, then the file is built on the server and downloaded. */
function exportButton(app, run) {
  const status = h('span', { className: 'export-status', role: 'status' });
  const start = async () => {
    const w = app.words;
    if (!app.state.acknowledged?.export) {
      const ok = await confirmDialog({
        title: 'Export shared contacts',
        body: [
          `The file lists every shared person with the ${w.accounts} they are in, their email addresses and phone numbers, read now from your CRMs.`,
          `Exporting moves personal data between the ${w.accounts}' businesses. Make sure your agreements with them allow it.`,
        ],
        confirm: 'I understand, export',
      });
      if (!ok) return;
      try {
        await app.optional('/acknowledgements', { method: 'POST', body: { kind: 'export' } });
        if (app.state.acknowledged) app.state.acknowledged.export = true;
        else app.state.acknowledged = { export: true, corporateCopies: false };
      } catch (error) {
        status.textContent = error.message;
        return;
      }
    }
    exportNow.disabled = true;
    try {
      const started = await app.optional('/exports', {
        method: 'POST',
        body: run?.id ? { run: run.id } : {},
      });
      if (!started) {
        status.textContent = 'Export is not available on this server yet.';
        return;
      }
      const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Export progress' });
      const said = h('span', {}, ' Reading emails and phones…');
      status.replaceChildren(progress, said);
      for (;;) {
        const state = await app.api(`/exports/${started.exportId}`);
        if (state.total) {
          progress.max = state.total;
          progress.value = state.done;
          said.textContent = ` Reading emails and phones: ${state.done} of ${state.total}`;
        }
        if (state.status === 'failed') throw new Error(state.error ?? 'the export failed');
        if (state.status === 'ready') break;
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      // The server drops the file once downloaded: the download starts at once.
      h('a', {
        href: `/api/tenants/${app.tenantId}/exports/${started.exportId}/download`,
        download: '',
      }).click();
      status.textContent = 'Ready: the file is downloading.';
    } catch (error) {
      status.textContent = `Export failed: ${error.message}`;
    } finally {
      exportNow.disabled = false;
    }
  };
  const exportNow = button('Export CSV', start);
  return h('div', {}, exportNow, ' ', status);
}
