import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../src/store/database.ts';
import { CookieClient, stateOf } from './support/cookie-client.ts';
import { MemoryProvider } from './support/memory-connector.ts';
import { account, person } from './support/snapshot-builder.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

// CSV export through the admin API: acknowledged first, one at a time per tenant, live emails and phones in rows
// that a spreadsheet reads back as they were (quoting, formula guard), an unreadable account reported, and no
// other tenant's admin reaching it.

const SECRET = 'export-test-secret-that-is-long-enough-0123456789';
const named = (firstname: string, lastname: string) => ({ properties: { firstname, lastname } });
const provider = new MemoryProvider({
  children: [
    account(
      'north',
      [
        person('n1', { emails: ['bob@example.com'], phones: ['+12125550101'], ...named('Bob', 'Smith') }),
        person('n2', { emails: ['eve@example.com'], ...named('=HYPERLINK("http://x")', 'Eve') }),
      ],
      { name: 'North' },
    ),
    account(
      'south',
      [
        person('s1', {
          emails: ['BOB@example.com', 'bob.work@example.com'],
          createdAt: '2023-05-01T00:00:00Z',
          ...named('Bob', 'Smith'),
        }),
        person('s2', { emails: ['carol@example.com'], ...named('Carol "CJ",', 'Jones') }),
      ],
      { name: 'South, East' },
    ),
    account(
      'west',
      [
        person('w1', {
          emails: ['carol@example.com'],
          phones: ['+1 212 555 0199'],
          ...named('Carol', 'Jones'),
        }),
        person('w2', { emails: ['eve@example.com'], ...named('Eve', 'Adams') }),
      ],
      { name: 'West' },
    ),
  ],
  corporate: { id: 'corp-a', name: 'Sunrise HQ', contacts: [] },
});
provider.accounts.set('corp-b', {
  id: 'corp-b',
  name: 'Other HQ',
  country: null,
  pipelines: [],
  deals: [],
  contacts: [],
});

/** While set, every live read waits for it (an export stays running). */
let hold: Promise<void> | null = null;
let opened: OpenDatabase;
let app: TestApp;
let admin: CookieClient;
let tenantId: string;

async function install(browser: CookieClient, corporate: string): Promise<string> {
  const started = await browser.get('/install/hubspot');
  await browser.get(
    `/oauth/hubspot/callback?code=code-${corporate}&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
  );
  return ((await (await browser.get('/api/session')).json()) as { tenantId: string }).tenantId;
}

beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  app = await startTestApp(opened, provider, {
    secret: SECRET,
    connectorFor: () =>
      provider.connectorWith((session) => ({
        ...session,
        readContactDetails: async (ids) => {
          await hold;
          return session.readContactDetails(ids);
        },
      })),
  });
  admin = new CookieClient(app.base);
  tenantId = await install(admin, 'corp-a');
  for (const child of ['north', 'south', 'west']) {
    const link = await admin.send('POST', `/api/tenants/${tenantId}/connect-links`, { provider: 'hubspot' });
    const { url } = (await link.json()) as { url: string };
    await admin.get(`/oauth/hubspot/callback?code=code-${child}&state=${encodeURIComponent(stateOf(url))}`);
  }
  const run = await admin.send('POST', `/api/tenants/${tenantId}/runs`, { dryRun: false });
  expect(((await run.json()) as { status: string }).status).toBe('succeeded');
});
afterAll(async () => {
  app.close();
  await opened.close();
});

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
const json = (response: Response): Promise<any> => response.json();
const api = (path: string) => `/api/tenants/${tenantId}${path}`;

async function untilDone(exportId: string) {
  for (;;) {
    const view = await json(await admin.get(api(`/exports/${exportId}`)));
    if (view.status !== 'running') return view;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

async function exportAll(): Promise<{
  view: Record<string, unknown>;
  rows: Record<string, string>[];
  response: Response;
}> {
  const started = await admin.send('POST', api('/exports'), {});
  expect(started.status).toBe(202);
  const { exportId } = await json(started);
  const view = await untilDone(exportId);
  const response = await admin.get(api(`/exports/${exportId}/download`));
  const [header = [], ...lines] = parseCsv((await response.text()).replace(/^\ufeff/, ''));
  const rows = lines.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  return { view: { ...view, exportId }, rows, response };
}

describe('CSV export', () => {
  it('is refused until an admin acknowledges it, naming the acknowledgement', async () => {
    const refused = await admin.send('POST', api('/exports'), {});
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ needs: 'export' });
    expect((await json(await admin.get(api('/')))).acknowledged).toEqual({
      export: false,
      corporateCopies: false,
    });

    expect((await admin.send('POST', api('/acknowledgements'), { kind: 'export' })).status).toBe(204);
    expect((await json(await admin.get(api('/')))).acknowledged).toEqual({
      export: true,
      corporateCopies: false,
    });
    const { actions } = await json(await admin.get(api('/admin-actions?limit=1')));
    expect(actions[0]).toMatchObject({ action: 'acknowledge', detail: { kind: 'export' } });
    expect((await admin.send('POST', api('/acknowledgements'), { kind: 'everything' })).status).toBe(400);
  });

  it('writes one row per person and community with live emails and phones, quoted and guarded', async () => {
    const { view, rows, response } = await exportAll();
    expect(view).toMatchObject({ status: 'ready', done: 6, total: 6, warnings: [] });
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="community-sync-shared-people-run-\d+-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(rows).toHaveLength(6);
    const row = (recordId: string) => rows.find((r) => r['Record id'] === recordId) as Record<string, string>;
    expect(row('n1')).toMatchObject({
      Person: 'Bob Smith',
      Community: 'North',
      'Record URL': 'https://memory.invalid/north/records/n1',
      'First community': 'South, East',
      'First created': '2023-05-01T00:00:00.000Z',
      Email: 'bob@example.com',
      Phone: "'+12125550101",
    });
    expect(row('s1')).toMatchObject({
      Community: 'South, East',
      Email: 'BOB@example.com; bob.work@example.com',
      Phone: '',
    });
    expect(row('n1').Reason).toBe(row('s1').Reason);
    expect(row('n1').Reason).toMatch(/is primary/);
    expect(row('n1')['Primary community']).toBe(row('s1')['Primary community']);
    expect(row('s2')).toMatchObject({ Community: 'South, East', Email: 'carol@example.com' });
    // Ties go to the account connected first (South, East before West; North before West).
    expect(row('w1')).toMatchObject({ Person: 'Carol "CJ", Jones', Phone: "'+1 212 555 0199" });
    expect(row('s2').Person).toBe('Carol "CJ", Jones');
    // A cell a spreadsheet would run as a formula stays text.
    expect(row('w2')).toMatchObject({ Person: `'=HYPERLINK("http://x") Eve`, 'Primary community': 'North' });
    for (const r of rows) expect(r.Tags).toMatch(/(primary|secondary)-shared-contact/);
  });

  it('is downloaded once: the file is gone after the first download', async () => {
    const { view } = await exportAll();
    const again = await admin.get(api(`/exports/${view.exportId}/download`));
    expect(again.status).toBe(404);
    expect((await admin.get(api(`/exports/${view.exportId}`))).status).toBe(404);
  });

  it('reports an account it cannot read, and exports the others', async () => {
    provider.unreadable.add('west');
    try {
      const { view, rows } = await exportAll();
      expect(view).toMatchObject({ status: 'ready', done: 6, total: 6 });
      expect(view.warnings).toEqual([
        { accountId: 'west', accountName: 'West', message: 'simulated outage' },
      ]);
      const west = rows.filter((r) => r.Community === 'West');
      expect(west).toHaveLength(2);
      for (const r of west) expect([r.Email, r.Phone]).toEqual(['', '']);
      expect(rows.find((r) => r['Record id'] === 's2')?.Email).toBe('carol@example.com');
    } finally {
      provider.unreadable.delete('west');
    }
  });

  it('runs one export per tenant at a time: a second is a 409 while the first reads', async () => {
    let release = () => {};
    hold = new Promise((resolve) => {
      release = resolve;
    });
    try {
      const first = await admin.send('POST', api('/exports'), {});
      expect(first.status).toBe(202);
      const { exportId } = await json(first);
      const running = await json(await admin.get(api(`/exports/${exportId}`)));
      expect(running).toMatchObject({ status: 'running', total: 6 });
      expect((await admin.get(api(`/exports/${exportId}/download`))).status).toBe(409);
      const second = await admin.send('POST', api('/exports'), {});
      expect(second.status).toBe(409);
      expect((await json(second)).error).toMatch(/already running/);
      release();
      hold = null;
      expect((await untilDone(exportId)).status).toBe('ready');
      expect((await admin.get(api(`/exports/${exportId}/download`))).status).toBe(200);
    } finally {
      release();
      hold = null;
    }
  });

  it("is the tenant's own: another tenant's admin gets 403 on its path and 404 for its export id", async () => {
    const started = await admin.send('POST', api('/exports'), {});
    const { exportId } = await json(started);
    await untilDone(exportId);
    const other = new CookieClient(app.base);
    const otherTenant = await install(other, 'corp-b');
    expect((await other.get(api(`/exports/${exportId}`))).status).toBe(403);
    expect((await other.get(api(`/exports/${exportId}/download`))).status).toBe(403);
    expect((await other.send('POST', api('/exports'), {})).status).toBe(403);
    expect((await other.get(`/api/tenants/${otherTenant}/exports/${exportId}`)).status).toBe(404);
    expect((await other.get(`/api/tenants/${otherTenant}/exports/${exportId}/download`)).status).toBe(404);
    // Still there for its own tenant.
    expect((await admin.get(api(`/exports/${exportId}/download`))).status).toBe(200);
  });

  it('answers 404 for a run it has no people of, and 400 for a bad export id', async () => {
    const missing = await admin.send('POST', api('/exports'), { run: 999_999 });
    expect(missing.status).toBe(404);
    expect((await admin.get(api('/exports/not-an-id'))).status).toBe(400);
  });
});

describe('corporate copies', () => {
  it('turning them on needs a recorded acknowledgement (409 naming it), then saves', async () => {
    const refused = await admin.send('PUT', api('/settings'), { copyToCorporate: true });
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ needs: 'corporate-copies' });
    expect((await app.store.tenants.get(tenantId))?.settings.copyToCorporate).toBe(false);
    expect(
      (await admin.send('PUT', api('/settings'), { copyToCorporate: false, enabled: true })).status,
    ).toBe(200);

    expect((await admin.send('POST', api('/acknowledgements'), { kind: 'corporate-copies' })).status).toBe(
      204,
    );
    const saved = await admin.send('PUT', api('/settings'), { copyToCorporate: true });
    expect(saved.status).toBe(200);
    expect((await json(saved)).settings.copyToCorporate).toBe(true);
    expect((await json(await admin.get(api('/')))).acknowledged.corporateCopies).toBe(true);
  });
});
