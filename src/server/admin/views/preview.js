// Preview and run: what the next run would change per account (stored by the server, so it survives a reload),
// "Run now" after a fresh preview and a confirmation, and runs held by the mass-change guard.
import { button, chip, confirmDialog, empty, h, muted, plural, section } from './dom.js';

export async function render(app, view) {
  const w = app.words;
  const previewButton = button('Preview (writes nothing)', () => preview(app));
  const runButton = button('Run now', () => runNow(app), 'primary');
  const setBusy = () => {
    previewButton.disabled = app.running;
    runButton.disabled = app.running;
    runButton.title = app.running ? 'A run is going: wait for it to finish' : '';
  };
  setBusy();
  app.liveListeners.clear();
  app.liveListeners.add(setBusy);

  view.append(
    h('h2', {}, 'Preview and run'),
    muted(
      `A preview works out what a run would change in every ${w.account} and writes nothing. Run now writes it: it previews first and asks you to confirm.`,
    ),
    h('p', { className: 'actions' }, previewButton, ' ', runButton),
  );

  const held = heldRun(app.state);
  if (held) view.append(await heldPanel(app, held));

  const previewId = app.state.preview ?? null;
  if (!previewId) {
    view.append(
      section(
        'Latest preview',
        empty('No preview since the last run. Press “Preview” to see what the next run would change.'),
      ),
    );
    return;
  }
  const run = app.state.runs.find((r) => r.id === previewId);
  view.append(
    section(
      'Latest preview',
      muted(
        `Preview #${previewId}${run ? ` of ${app.when(run.startedAt)}` : ''}: nothing has been written. `,
        h('a', { href: `#people?run=${previewId}` }, 'See its shared contacts'),
      ),
      await changesOf(app, previewId),
    ),
  );
}

/** The latest run held by the mass-change guard, unless a later real run settled it. */
function heldRun(state) {
  for (const run of state.runs) {
    if (run.status === 'held') return run;
    if (!run.dryRun && run.status !== 'running') return null;
  }
  return null;
}

async function heldPanel(app, run) {
  const confirmButton = button(
    'Confirm and run',
    async () => {
      const ok = await confirmDialog({
        title: 'Run the held changes?',
        body: [
          `Run #${run.id} stopped before writing because it would remove many tags at once: ${run.heldReason ?? 'it would change a large share of the records'}.`,
          'Confirm only if this is what you expect (for example after changing “Match on”).',
        ],
        confirm: 'Confirm and run',
        danger: true,
      });
      if (!ok) return;
      await startRun(app, { dryRun: false, confirmMassChange: true });
    },
    'danger',
  );
  confirmButton.disabled = app.running;
  return h(
    'section',
    { className: 'banner warning' },
    h('h2', {}, `Run #${run.id} is waiting for your confirmation`),
    h(
      'p',
      {},
      `Nothing was written: ${run.heldReason ?? 'it would remove the app’s tags from more than 20% of the tagged records of an account'}.`,
    ),
    h('p', {}, confirmButton),
    await changesOf(app, run.id),
  );
}

/** Per account: tags added and removed, copies to create, each with the person's name and reason. */
async function changesOf(app, runId) {
  const w = app.words;
  let changes;
  try {
    changes = await app.optional(`/runs/${runId}/changes`);
  } catch (error) {
    return h('p', { className: 'error' }, error.message);
  }
  if (!changes) return empty('The details of each change are not available on this server yet.');
  if (changes.accounts.length === 0) return empty('No change: every record already has the right tags.');
  return h(
    'div',
    { className: 'changes' },
    // The children first, in the order they were connected; the corporate account last.
    [...changes.accounts]
      .sort((a, b) => (a.role === 'corporate') - (b.role === 'corporate'))
      .map((a) => {
        const counts = [
          a.tagsAdded ? `tags added on ${plural(a.tagsAdded, 'record')}` : null,
          a.tagsRemoved ? `tags removed from ${plural(a.tagsRemoved, 'record')}` : null,
          a.copiesToCreate ? `${plural(a.copiesToCreate, 'copy', 'copies')} to create` : null,
          a.copiesUpdated ? `${plural(a.copiesUpdated, 'copy', 'copies')} to update` : null,
        ].filter(Boolean);
        const shown = a.entries.length;
        const total =
          (a.tagsAdded ?? 0) + (a.tagsRemoved ?? 0) + (a.copiesToCreate ?? 0) + (a.copiesUpdated ?? 0);
        return h(
          'section',
          { className: 'change-account' },
          h('h3', {}, a.role === 'corporate' ? `Corporate account: ${a.name}` : a.name),
          h('p', {}, counts.length ? counts.join(', ') : 'no change'),
          h(
            'ul',
            { className: 'entries' },
            a.entries.map((e) =>
              h(
                'li',
                {},
                h('strong', {}, e.name || `Record ${e.recordId}`),
                ' ',
                actionWords(e.action, w)
                  ? h('span', { className: 'muted' }, ` ${actionWords(e.action, w)}`)
                  : null,
                (e.added ?? []).length ? h('span', { className: 'chips' }, ' adds', e.added.map(chip)) : null,
                (e.removed ?? []).length
                  ? h('span', { className: 'chips removed' }, ' removes', e.removed.map(chip))
                  : null,
                e.reason ? h('div', { className: 'reason' }, e.reason) : null,
              ),
            ),
          ),
          total > shown && shown > 0 ? muted(`and ${total - shown} more.`) : null,
        );
      }),
  );
}

/** What a change is, when its tags alone do not say it. */
const actionWords = (action, w) =>
  ({
    'create-copy': 'new copy in the corporate account,',
    relate: `related to the corporate account and its ${w.accounts}`,
  })[action] ?? '';

async function preview(app) {
  app.notice('Previewing… nothing is written.');
  try {
    const result = await app.api('/runs', { method: 'POST', body: { dryRun: true } });
    app.notice(
      `Preview: ${plural(result.shared.length, 'shared contact')}, ${plural(result.changes, 'record')} would change.`,
    );
  } catch (error) {
    app.notice(error.message, 'error');
  }
  await app.reload();
}

/** Run now: a fresh preview, then a confirmation naming how many records will change. */
async function runNow(app) {
  // The view is drawn again with the fresh preview: the dialog gives the focus back to the new Run now button.
  const returnTo = document.activeElement;
  app.notice('Working out what will change…');
  let fresh;
  try {
    fresh = await app.api('/runs', { method: 'POST', body: { dryRun: true } });
  } catch (error) {
    app.notice(error.message, 'error');
    return;
  }
  await app.reload();
  if (fresh.changes === 0) {
    app.notice('Nothing to change: every record already has the right tags.');
    return;
  }
  const ok = await confirmDialog({
    title: 'Run now?',
    body: [
      `${plural(fresh.changes, 'record')} will change in your CRMs (${plural(fresh.shared.length, 'shared contact')}). The preview below lists them.`,
      'You can undo a run later from History.',
    ],
    confirm: `Change ${plural(fresh.changes, 'record')}`,
    returnTo,
  });
  if (!ok) {
    app.notice('Nothing was run.');
    return;
  }
  await startRun(app, { dryRun: false });
}

async function startRun(app, body) {
  app.running = true;
  for (const listener of app.liveListeners) listener(app.live ?? {});
  app.notice('Running… progress shows above.');
  // Said once the page shows the run's outcome.
  let said = [''];
  try {
    const result = await app.api('/runs', { method: 'POST', body });
    if (result.status === 'held')
      said = ['The run was held before writing: it would remove many tags at once. See below.', 'error'];
    else if (result.errors?.length)
      said = [
        `Run finished with problems: ${plural(result.written, 'record')} written, ${result.errors.map((e) => e.message).join('; ')}`,
        'error',
      ];
    else said = [`Run finished: ${plural(result.written, 'record')} written.`];
  } catch (error) {
    said = [error.message, 'error'];
  }
  app.running = false;
  await app.reload();
  app.notice(...said);
}
