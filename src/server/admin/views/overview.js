// Overview: how many people are shared, where, the trend across runs, when the last and next runs are, and which
// accounts need the admin.
import { empty, h, muted, plural, section, svg, svgText, table } from './dom.js';
import { needingDecision, privacyDeletions, privacyIntro, privacyTable } from './privacy.js';

export async function render(app, view) {
  const { state, words: w } = app;
  const overview = await app.optional('/overview').catch(() => null);
  const lastRun = overview?.lastRun ?? state.runs.find((r) => !r.dryRun && r.status !== 'running') ?? null;
  const nextRunAt = overview?.nextRunAt ?? state.nextRunAt ?? null;
  const enabled = state.tenant.settings.enabled;
  const sharedTotal = overview?.sharedTotal ?? lastRun?.shared ?? null;

  view.append(
    h('h2', { className: 'visually-hidden' }, 'Overview'),
    h(
      'div',
      { className: 'tiles' },
      tile('Shared people', sharedTotal === null ? '—' : String(sharedTotal), `in two or more ${w.accounts}`),
      tile(
        'Last run',
        lastRun ? app.when(lastRun.endedAt ?? lastRun.startedAt) : 'None yet',
        lastRun ? runOutcome(lastRun) : 'Preview first, then run from “Preview and run”.',
      ),
      tile(
        'Next run',
        enabled ? (nextRunAt ? app.when(nextRunAt) : 'Daily') : 'Off',
        enabled
          ? `every day at ${state.tenant.settings.schedule.time} (${state.tenant.settings.schedule.timeZone})`
          : 'Daily runs are off: turn them on in Settings.',
      ),
    ),
  );

  const attention =
    overview?.attention ??
    state.accounts
      .filter((a) => a.status === 'needs-reconnect' || a.status === 'pending')
      .map((a) => ({
        accountId: a.accountId,
        name: a.name,
        status: a.status,
        why:
          a.status === 'pending' ? 'waits for your approval' : 'needs reconnecting: the app cannot read it',
      }));
  // Recent privacy deletions that left corporate copies wait for the admin's decision, so they are attention too.
  let deletions = [];
  let deletionsError = null;
  try {
    deletions = needingDecision((await privacyDeletions(app)) ?? []);
  } catch (error) {
    deletionsError = error.message;
  }
  view.append(
    section(
      'Needs your attention',
      attention.length === 0
        ? empty(
            deletions.length === 0 && !deletionsError
              ? 'Nothing: every account is connected.'
              : 'Every account is connected.',
          )
        : h(
            'ul',
            { className: 'attention' },
            attention.map((a) =>
              h(
                'li',
                {},
                h('strong', {}, a.name),
                `: ${a.why} `,
                h('a', { href: '#accounts' }, 'Open Accounts'),
              ),
            ),
          ),
      deletionsError
        ? h('p', { className: 'error' }, `Privacy deletions could not be read: ${deletionsError}`)
        : null,
      deletions.length === 0
        ? null
        : h(
            'div',
            { id: 'privacy-attention' },
            h('h3', {}, 'Privacy deletions with corporate copies'),
            privacyIntro(),
            privacyTable(app, deletions, 'Privacy deletions with corporate copies'),
            muted(
              `Deletions of the last 30 days that left corporate copies. Every privacy deletion is listed under `,
              h('a', { href: '#accounts' }, 'Accounts'),
              '.',
            ),
          ),
    ),
  );

  if (!overview) {
    view.append(
      section(
        `Shared people by ${w.account}`,
        empty('The charts appear here once this server reports them.'),
      ),
    );
    return;
  }
  view.append(
    section(
      `Shared people by ${w.account}`,
      overview.perAccount.length === 0
        ? empty(`No shared people yet: they appear after the first run.`)
        : barChart(overview.perAccount, w),
    ),
    section(
      'Shared people over the last runs',
      overview.trend.length < 2
        ? empty('The trend appears after two runs.')
        : trendChart(overview.trend, app),
    ),
  );
}

function tile(label, value, detail) {
  return h(
    'div',
    { className: 'tile' },
    h('h2', {}, label),
    h('p', { className: 'value' }, value),
    muted(detail),
  );
}

function runOutcome(run) {
  if (run.status === 'held') return 'held: waiting for your confirmation';
  if (run.status === 'failed') return 'failed';
  const written = run.written ?? run.changes;
  return `${run.status === 'partial' ? 'partly done' : 'done'}: ${plural(written ?? 0, 'record')} written`;
}

/** Horizontal bars, one per account, with the numbers as text; a table says the same for screen readers. */
function barChart(perAccount, w) {
  const max = Math.max(1, ...perAccount.map((a) => a.shared));
  const rowHeight = 28;
  const labelWidth = 170;
  const width = 560;
  const height = perAccount.length * rowHeight + 8;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Bar chart of shared people by ${w.account}`,
    class: 'chart',
  });
  perAccount.forEach((a, i) => {
    const y = i * rowHeight + 4;
    const barWidth = Math.max(2, ((width - labelWidth - 50) * a.shared) / max);
    chart.append(
      svgText(shorten(a.name, 22), { x: labelWidth - 8, y: y + 17, 'text-anchor': 'end', class: 'label' }),
      svg('rect', { x: labelWidth, y: y + 3, width: barWidth, height: rowHeight - 10, rx: 3, class: 'bar' }),
      svgText(a.shared, { x: labelWidth + barWidth + 6, y: y + 17, class: 'label' }),
    );
  });
  return h(
    'figure',
    {},
    chart,
    h(
      'details',
      {},
      h('summary', {}, 'Show as a table'),
      table(
        [
          { label: w.Account, cell: (a) => a.name },
          { label: 'Shared people', cell: (a) => String(a.shared) },
        ],
        perAccount,
        `Shared people by ${w.account}`,
      ),
    ),
  );
}

/** A line of the shared total across the last runs, oldest first. */
function trendChart(trend, app) {
  const width = 560;
  const height = 180;
  const pad = { left: 40, right: 12, top: 12, bottom: 28 };
  const max = Math.max(1, ...trend.map((t) => t.shared));
  const x = (i) => pad.left + ((width - pad.left - pad.right) * i) / Math.max(1, trend.length - 1);
  const y = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const first = trend[0];
  const last = trend.at(-1);
  const summary = `Shared people went from ${first.shared} on ${app.day(first.at)} to ${last.shared} on ${app.day(last.at)}, over ${trend.length} runs.`;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': summary,
    class: 'chart',
  });
  chart.append(
    svg('line', { x1: pad.left, y1: y(0), x2: width - pad.right, y2: y(0), class: 'axis' }),
    svgText(max, { x: pad.left - 6, y: y(max) + 4, 'text-anchor': 'end', class: 'label' }),
    svgText(0, { x: pad.left - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'label' }),
    svg('polyline', { points: trend.map((t, i) => `${x(i)},${y(t.shared)}`).join(' '), class: 'line' }),
    ...trend.map((t, i) => svg('circle', { cx: x(i), cy: y(t.shared), r: 3, class: 'dot' })),
    svgText(app.day(first.at), { x: pad.left, y: height - 8, class: 'label' }),
    svgText(app.day(last.at), { x: width - pad.right, y: height - 8, 'text-anchor': 'end', class: 'label' }),
  );
  return h('figure', {}, chart, h('figcaption', { className: 'muted' }, summary));
}

const shorten = (name, n) => (name.length > n ? `${name.slice(0, n - 1)}…` : name);
