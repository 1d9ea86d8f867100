import { beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, stateOf } from '../../../test/support/cookie-client.ts';
import { MemoryProvider } from '../../../test/support/memory-connector.ts';
import { account, person } from '../../../test/support/snapshot-builder.ts';
import { useTestApp } from '../../../test/support/test-app.ts';

// The admin API of issue 9's people branch, over HTTP as the admin page calls it: who is shared and why, search
// through the tenant's keyed hashes, history, previews that survive a reload, and renaming or reconnecting accounts.

const SECRET = 'people-test-secret-that-is-long-enough-0123456789';
const provider = new MemoryProvider({
  children: [
    account(
      'north',
      [
        person('n1', {
          emails: ['bob@example.com'],
          createdAt: '2020-01-01T00:00:00Z',
          properties: { firstname: 'Bob', lastname: 'Smith' },
        }),
        person('n2', { phones: ['(212) 555-0100'], properties: { firstname: 'Carol', lastname: 'Jones' } }),
      ],
      { name: 'North' },
    ),
    account('south', [person('s1', { emails: ['BOB@example.com'], properties: { firstname: 'Bob' } })], {
      name: 'South',
    }),
    account('east', [person('e1', { phones: ['+1 212 555 0100'] })], { name: 'East' }),
  ],
});
let corporates = 0;

const app = useTestApp(provider, { secret: SECRET });

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const json = (response: Response): Promise<any> => response.json();

/** A tenant of its own with North, South and East connected; returns its admin's browser and the tenant id. */
async function tenantWithChildren(): Promise<{ admin: CookieClient; tenantId: string; api: string }> {
  // Every tenant starts from untagged CRMs (the provider's accounts are shared by the tests).
  for (const data of provider.accounts.values())
    for (const contact of data.contacts) {
      contact.tags = [];
      delete contact.tagValues;
    }
  corporates += 1;
  const corporate = `hq-${corporates}`;
  provider.accounts.set(corporate, {
    id: corporate,
    name: 'HQ',
    country: null,
    pipelines: [],
    deals: [],
    contacts: [],
  });
  const admin = new CookieClient(app.base);
  const started = await admin.get('/install/hubspot');
  await admin.get(
    `/oauth/hubspot/callback?code=code-${corporate}&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
  );
  const { tenantId } = await json(await admin.get('/api/session'));
  const api = `/api/tenants/${tenantId}`;
  for (const child of ['north', 'south', 'east']) {
    const { url } = await json(await admin.send('POST', `${api}/connect-links`, { provider: 'hubspot' }));
    const done = await admin.get(
      `/oauth/hubspot/callback?code=code-${child}&state=${encodeURIComponent(stateOf(url))}`,
    );
    expect(done.status).toBe(302);
  }
  return { admin, tenantId, api };
}

const run = async (admin: CookieClient, api: string, dryRun = false): Promise<number> => {
  const response = await admin.send('POST', `${api}/runs`, { dryRun });
  expect(response.status).toBe(200);
  return (await json(response)).runId;
};

describe('GET /people', () => {
  let admin: CookieClient;
  let api: string;
  let runId: number;
  beforeAll(async () => {
    ({ admin, api } = await tenantWithChildren());
    runId = await run(admin, api);
  });
  const search = async (q: string) =>
    (await json(await admin.get(`${api}/people?q=${encodeURIComponent(q)}`))).people.map(
      (p: { name: string }) => p.name,
    );

  it('finds Bob by name with his primary community, reason, first community and links to his records', async () => {
    const body = await json(await admin.get(`${api}/people?q=bob`));
    expect(body.run).toMatchObject({ id: runId, dryRun: false });
    expect(body.total).toBe(1);
    const [bob] = body.people;
    expect(bob).toMatchObject({
      name: 'Bob Smith',
      reason: 'created',
      primary: { accountId: 'north', name: 'North' },
      first: { accountId: 'north', name: 'North', createdAt: '2020-01-01T00:00:00.000Z' },
      tags: ['primary-shared-contact', 'secondary-shared-contact'],
    });
    expect(bob.explanation).toMatch(/North is primary/);
    expect(bob.members).toEqual([
      expect.objectContaining({
        accountName: 'North',
        recordId: 'n1',
        name: 'Bob Smith',
        url: 'https://memory.invalid/north/records/n1',
      }),
      expect.objectContaining({ accountName: 'South', recordId: 's1', name: 'Bob' }),
    ]);
  });

  it('finds a person by an email or phone typed in full (through the keyed hashes), never by a part of one', async () => {
    expect(await search(' Bob@Example.COM ')).toEqual(['Bob Smith']);
    expect(await search('212-555-0100')).toEqual(['Carol Jones']);
    expect(await search('+1 (212) 555 0100')).toEqual(['Carol Jones']);
    expect(await search('bob@example')).toEqual([]);
    expect(await search('example.com')).toEqual([]);
    expect(await search('555-0100')).toEqual([]);
    expect(await search('ob smi')).toEqual(['Bob Smith']);
  });

  it('sorts and pages', async () => {
    const page = async (query: string) => {
      const body = await json(await admin.get(`${api}/people?${query}`));
      return [body.total, body.people.map((p: { name: string }) => p.name)];
    };
    expect(await page('sort=name&dir=desc')).toEqual([2, ['Carol Jones', 'Bob Smith']]);
    expect(await page('sort=name&limit=1&offset=1')).toEqual([2, ['Carol Jones']]);
    expect(await page('sort=firstCreated&dir=asc&limit=1')).toEqual([2, ['Bob Smith']]);
    // Both are primary in North (Carol's tie goes to North, connected before East): then by name, descending.
    expect(await page(`run=${runId}&sort=primary&dir=desc`)).toEqual([2, ['Carol Jones', 'Bob Smith']]);
  });

  it('refuses a bad query with 400 naming the field', async () => {
    for (const [query, field] of [
      ['sort=age', 'sort'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['offset=-1', 'offset'],
      ['run=abc', 'run'],
      ['colour=red', 'colour'],
    ]) {
      const response = await admin.get(`${api}/people?${query}`);
      expect(response.status, query).toBe(400);
      expect((await json(response)).error, query).toContain(field);
    }
  });

  it("another tenant's admin sees none of these people: 403 on this tenant, 404 for its runs", async () => {
    const other = await tenantWithChildren();
    expect((await other.admin.get(`${api}/people?q=bob`)).status).toBe(403);
    expect((await other.admin.get(`${other.api}/people?run=${runId}`)).status).toBe(404);
    expect((await other.admin.get(`${other.api}/runs/${runId}`)).status).toBe(404);
    expect((await other.admin.get(`${other.api}/runs/${runId}/changes`)).status).toBe(404);
    expect((await json(await other.admin.get(`${other.api}/people`))).people).toEqual([]);
  });
});

describe('previews, history and the overview', () => {
  it("a preview's changes survive a reload: listed per community with names, and GET / points to the preview", async () => {
    const { admin, api } = await tenantWithChildren();
    const previewId = await run(admin, api, true);
    // A reload: a new page load asks again, with nothing kept in between.
    const reloaded = new CookieClient(app.base);
    for (const [name, value] of admin.cookies) reloaded.cookies.set(name, value);
    expect((await json(await reloaded.get(api))).preview).toBe(previewId);
    const { accounts } = await json(await reloaded.get(`${api}/runs/${previewId}/changes`));
    const north = accounts.find((a: { accountId: string }) => a.accountId === 'north');
    expect(north).toMatchObject({ name: 'North', role: 'child', tagsAdded: 2, tagsRemoved: 0 });
    expect(north.entries.map((e: { name: string; added: string[] }) => [e.name, e.added])).toEqual([
      ['Bob Smith', ['primary-shared-contact']],
      ['Carol Jones', ['primary-shared-contact']],
    ]);
    const view = await json(await reloaded.get(`${api}/runs/${previewId}`));
    expect(view).toMatchObject({ id: previewId, dryRun: true, written: null, wouldWrite: 4, shared: 2 });
    // After a real run the preview is no longer the latest word.
    await run(admin, api);
    expect((await json(await reloaded.get(api))).preview).toBeNull();
  });

  it('lists every run newest first, page by page, and a run audit page by page with names', async () => {
    const { admin, api } = await tenantWithChildren();
    const ids = [await run(admin, api, true), await run(admin, api), await run(admin, api, true)];
    const first = await json(await admin.get(`${api}/runs?limit=2`));
    expect(first.runs.map((r: { id: number }) => r.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextBefore).toBe(ids[1]);
    const second = await json(await admin.get(`${api}/runs?limit=2&before=${first.nextBefore}`));
    expect(second.runs.map((r: { id: number }) => r.id)).toEqual([ids[0]]);
    expect(second.nextBefore).toBeNull();
    const real = first.runs[1];
    expect(real).toMatchObject({ dryRun: false, written: 4, wouldWrite: null, trigger: 'admin' });
    expect(real.calls.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['North', 'South', 'East']),
    );

    const audit = await json(await admin.get(`${api}/runs/${ids[1]}/audit?limit=3&offset=1`));
    expect(audit.total).toBe(4);
    expect(audit.entries).toHaveLength(3);
    const all = await json(await admin.get(`${api}/runs/${ids[1]}/audit?accountId=south`));
    expect(all.entries).toEqual([
      expect.objectContaining({ accountName: 'South', recordId: 's1', name: 'Bob', status: 'written' }),
    ]);
    expect((await admin.get(`${api}/runs/${ids[1]}/audit?limit=many`)).status).toBe(400);
  });

  it('the overview: shared people in total and per community, the trend, and accounts needing attention', async () => {
    const { admin, api, tenantId } = await tenantWithChildren();
    await run(admin, api);
    await run(admin, api, true);
    const east = (await app.store.accounts.byExternalId(tenantId, 'east'))?.id as string;
    await app.store.accounts.setStatus(tenantId, east, 'needs-reconnect');
    const overview = await json(await admin.get(`${api}/overview`));
    expect(overview.sharedTotal).toBe(2);
    expect(overview.lastRun.dryRun).toBe(false);
    expect(overview.perAccount).toEqual(
      expect.arrayContaining([
        { accountId: 'north', name: 'North', shared: 2 },
        { accountId: 'south', name: 'South', shared: 1 },
        { accountId: 'east', name: 'East', shared: 1 },
      ]),
    );
    expect(overview.trend).toHaveLength(1);
    expect(overview.attention).toEqual([
      { accountId: 'east', name: 'East', status: 'needs-reconnect', why: expect.stringMatching(/reconnect/) },
    ]);
    expect(overview.nextRunAt).toBeNull();
  });
});

describe('accounts', () => {
  it('GET / gives each account its last pull, contact count, connection order and whether it is syncing', async () => {
    const { admin, api } = await tenantWithChildren();
    await run(admin, api);
    await admin.send('PUT', `${api}/settings`, {
      enabled: true,
      schedule: { time: '04:30', timeZone: 'UTC' },
    });
    const body = await json(await admin.get(api));
    const byName = Object.fromEntries(body.accounts.map((a: { name: string }) => [a.name, a]));
    expect(byName.North).toMatchObject({ contactCount: 2, order: 1, syncing: false });
    expect(byName.East).toMatchObject({ contactCount: 1, order: 3 });
    expect(byName.HQ).toMatchObject({ order: null, contactCount: null, lastPulledAt: null });
    expect(Date.parse(byName.North.lastPulledAt)).not.toBeNaN();
    expect(body.running).toBeNull();
    expect(body.nextRunAt).toMatch(/T04:30:00\.000Z$/);
  });

  it('PATCH renames an account and sets its phone country; bad values are refused naming the field', async () => {
    const { admin, api, tenantId } = await tenantWithChildren();
    const north = (await app.store.accounts.byExternalId(tenantId, 'north'))?.id as string;
    const response = await admin.send('PATCH', `${api}/accounts/${north}`, {
      name: 'Maple Grove',
      country: 'GB',
    });
    expect(response.status).toBe(200);
    const { account: renamed } = await json(response);
    expect(renamed).toMatchObject({ name: 'Maple Grove', country: 'GB' });
    expect(renamed).not.toHaveProperty('tokens');
    expect(
      (await json(await admin.send('PATCH', `${api}/accounts/${north}`, { country: null }))).account.country,
    ).toBeNull();
    const bad = await admin.send('PATCH', `${api}/accounts/${north}`, { country: 'Narnia' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toContain('country');
    expect((await admin.send('PATCH', `${api}/accounts/nope`, { name: 'X' })).status).toBe(404);
    await run(admin, api);
    const [bob] = (await json(await admin.get(`${api}/people?q=bob`))).people;
    expect(bob.primary.name).toBe('Maple Grove');
  });

  it('a Reconnect link refreshes that account (corporate too), and refuses a consent given on another account', async () => {
    const { admin, api, tenantId } = await tenantWithChildren();
    for (const externalId of ['north', `hq-${corporates}`]) {
      const stored = await app.store.accounts.byExternalId(tenantId, externalId);
      await app.store.accounts.setStatus(tenantId, stored?.id as string, 'needs-reconnect');
      const link = await admin.send('POST', `${api}/connect-links`, { accountId: stored?.id });
      expect(link.status).toBe(200);
      const { url } = await json(link);
      const done = await admin.get(
        `/oauth/hubspot/callback?code=code-${externalId}&state=${encodeURIComponent(stateOf(url))}`,
      );
      expect(done.headers.get('location')).toMatch(/^\/\?reconnected=/);
      const after = await app.store.accounts.byExternalId(tenantId, externalId);
      expect(after).toMatchObject({ status: 'connected', role: stored?.role, name: stored?.name });
      expect(after?.tokens.accessToken).toBe(`access-${externalId}-${provider.exchanges}`);
    }
    const south = await app.store.accounts.byExternalId(tenantId, 'south');
    const { url } = await json(await admin.send('POST', `${api}/connect-links`, { accountId: south?.id }));
    const wrong = await admin.get(
      `/oauth/hubspot/callback?code=code-north&state=${encodeURIComponent(stateOf(url))}`,
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('reconnects South');
    expect((await app.store.accounts.byExternalId(tenantId, 'south'))?.tokens).toEqual(south?.tokens);
  });
});
