import { beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, stateOf } from './support/cookie-client.ts';
import { MemoryProvider } from './support/memory-connector.ts';
import { account, person } from './support/snapshot-builder.ts';
import { useTestApp } from './support/test-app.ts';

// Undo through the admin API: reverting a run, removing everything the app wrote, the guard against mass changes,
// and live progress over server-sent events, against the in-memory provider.

const SECRET = 'undo-test-secret-that-is-long-enough-0123456789';
const PRIMARY = 'primary-shared-contact';
const SECONDARY = 'secondary-shared-contact';

// Each tenant (prefix) has two communities sharing six people by email; their phones differ between communities.
const people = (prefix: string, community: string) =>
  Array.from({ length: 6 }, (_, i) =>
    person(`${community}${i + 1}`, {
      emails: [`person${i + 1}@${prefix}.example.com`],
      phones: [`+1 212 555 0${['an', 'as', 'bn', 'bs'].indexOf(community) + 1}1${i + 1}`],
      createdAt: `2024-01-0${community.endsWith('n') ? 1 : 2}T00:00:00Z`,
      properties: { firstname: `Person ${i + 1}` },
    }),
  );
const provider = new MemoryProvider({
  children: ['a', 'b'].flatMap((prefix) => [
    account(`${prefix}n`, people(prefix, `${prefix}n`), { name: `North ${prefix}` }),
    account(`${prefix}s`, people(prefix, `${prefix}s`), { name: `South ${prefix}` }),
  ]),
});
for (const prefix of ['a', 'b'])
  provider.accounts.set(`corp-${prefix}`, {
    id: `corp-${prefix}`,
    name: `HQ ${prefix}`,
    country: null,
    contacts: [],
  });

const app = useTestApp(provider, { secret: SECRET });

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const json = (response: Response): Promise<any> => response.json();

/** Installs on `corp-<prefix>`, connects its two communities and sets the settings; returns the tenant id. */
async function tenantOf(browser: CookieClient, prefix: string, settings: object): Promise<string> {
  const started = await browser.get('/install/hubspot');
  await browser.get(
    `/oauth/hubspot/callback?code=code-corp-${prefix}&state=${encodeURIComponent(stateOf(started.headers.get('location')))}`,
  );
  const { tenantId } = await json(await browser.get('/api/session'));
  for (const child of [`${prefix}n`, `${prefix}s`]) {
    const link = await json(
      await browser.send('POST', `/api/tenants/${tenantId}/connect-links`, {
        provider: 'hubspot',
        role: 'child',
      }),
    );
    await browser.get(
      `/oauth/hubspot/callback?code=code-${child}&state=${encodeURIComponent(stateOf(link.url))}`,
    );
  }
  // Turning corporate copies on needs an admin's acknowledgement first.
  const acknowledged = await browser.send('POST', `/api/tenants/${tenantId}/acknowledgements`, {
    kind: 'corporate-copies',
  });
  expect(acknowledged.status).toBe(204);
  const saved = await browser.send('PUT', `/api/tenants/${tenantId}/settings`, settings);
  expect(saved.status).toBe(200);
  return tenantId;
}

const tagsIn = (accountId: string) =>
  Object.fromEntries(
    (provider.accounts.get(accountId)?.contacts ?? []).map((c) => [c.id, [...c.tags].sort()]),
  );

const admin = new CookieClient('');
let tenantA: string;

describe('undo', () => {
  beforeAll(async () => {
    Object.assign(admin, { base: app.base });
    tenantA = await tenantOf(admin, 'a', { enabled: true, copyToCorporate: true, tags: ['vip'] });
  });

  it('reverting a run restores every record it changed, previewed first, and turns the service off', async () => {
    const run = await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, {}));
    expect(run.status).toBe('succeeded');
    expect(tagsIn('an').an1).toEqual([PRIMARY, 'vip']);
    expect(tagsIn('as').as1).toEqual([SECONDARY, 'vip']);
    expect(tagsIn('corp-a')['copy-1']).toEqual(['engaging-in-North a-primary', 'engaging-in-South a', 'vip']);

    const writes = provider.writes;
    const preview = await json(
      await admin.send('POST', `/api/tenants/${tenantA}/runs/${run.runId}/revert`, { dryRun: true }),
    );
    expect(preview.changes).toBe(18); // 12 child records and 6 copies
    expect(provider.writes).toBe(writes);
    expect(tagsIn('an').an1).toEqual([PRIMARY, 'vip']);
    expect((await app.store.tenants.get(tenantA))?.settings.enabled).toBe(true);

    const revert = await admin.send('POST', `/api/tenants/${tenantA}/runs/${run.runId}/revert`, {});
    const reverted = await json(revert);
    expect(revert.status).toBe(200);
    expect(reverted).toMatchObject({ status: 'succeeded', written: 18, revertOf: run.runId });
    for (const id of ['an', 'as', 'corp-a']) expect(Object.values(tagsIn(id)).flat()).toEqual([]);
    // The copies stay (the app never deletes a record): they are listed for the admin, with links.
    expect(provider.accounts.get('corp-a')?.contacts).toHaveLength(6);
    expect(reverted.copiesCreated).toHaveLength(6);
    expect(reverted.copiesCreated[0]).toEqual({
      accountId: 'corp-a',
      recordId: 'copy-1',
      url: 'https://memory.invalid/corp-a/records/copy-1',
    });

    const stored = await app.store.runs.get(tenantA, reverted.runId);
    expect(stored).toMatchObject({ trigger: 'revert', revertOf: run.runId, dryRun: false });
    expect((await app.store.audit.list(tenantA, reverted.runId)).every((e) => e.status === 'written')).toBe(
      true,
    );
    expect((await app.store.tenants.get(tenantA))?.settings.enabled).toBe(false);
    const [turnedOff] = await app.store.admins.actions(tenantA, { limit: 1 });
    expect(turnedOff).toMatchObject({
      action: 'settings',
      detail: { changed: { enabled: false }, because: 'revert' },
    });
  });

  it('a revert leaves records a later run changed, and refuses a preview or an unknown run', async () => {
    await admin.send('PUT', `/api/tenants/${tenantA}/settings`, { tags: [] });
    const first = await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, {}));
    await admin.send('PUT', `/api/tenants/${tenantA}/settings`, { tags: ['vip'] });
    const second = await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, {}));
    expect(tagsIn('an').an1).toEqual([PRIMARY, 'vip']);
    // Reverting the first run: every record has changed since (the second run added `vip`), so nothing is undone.
    const reverted = await json(
      await admin.send('POST', `/api/tenants/${tenantA}/runs/${first.runId}/revert`, {}),
    );
    expect(reverted.written).toBe(0);
    expect(reverted.warnings.filter((w: { code: string }) => w.code === 'not-reverted')).toHaveLength(18);
    expect(tagsIn('an').an1).toEqual([PRIMARY, 'vip']);
    // Reverting the second gives back exactly what the first left (user tag option values included).
    await json(await admin.send('POST', `/api/tenants/${tenantA}/runs/${second.runId}/revert`, {}));
    expect(tagsIn('an').an1).toEqual([PRIMARY]);
    expect(provider.accounts.get('an')?.contacts[0]?.tagValues).toEqual([PRIMARY]);

    const preview = await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, { dryRun: true }));
    const refused = await admin.send('POST', `/api/tenants/${tenantA}/runs/${preview.runId}/revert`, {});
    expect(refused.status).toBe(409);
    expect((await json(refused)).error).toMatch(/preview/);
    expect((await admin.send('POST', `/api/tenants/${tenantA}/runs/999999/revert`, {})).status).toBe(404);
  });

  it('remove-all clears every app tag, children and corporate, lists every copy, and turns the service off', async () => {
    await admin.send('PUT', `/api/tenants/${tenantA}/settings`, { enabled: true });
    await admin.send('POST', `/api/tenants/${tenantA}/runs`, {});
    expect(Object.values(tagsIn('corp-a')).flat().length).toBeGreaterThan(0);

    const writes = provider.writes;
    const preview = await json(
      await admin.send('POST', `/api/tenants/${tenantA}/remove-all`, { dryRun: true }),
    );
    expect(preview.changes).toBe(18);
    expect(provider.writes).toBe(writes);
    expect((await app.store.tenants.get(tenantA))?.settings.enabled).toBe(true);

    const removed = await json(await admin.send('POST', `/api/tenants/${tenantA}/remove-all`, {}));
    expect(removed).toMatchObject({ status: 'succeeded', written: 18 });
    for (const id of ['an', 'as', 'corp-a']) expect(Object.values(tagsIn(id)).flat()).toEqual([]);
    expect(removed.copiesCreated.map((c: { recordId: string }) => c.recordId)).toEqual(
      provider.accounts
        .get('corp-a')
        ?.contacts.map((c) => c.id)
        .sort(),
    );
    expect((await app.store.runs.get(tenantA, removed.runId))?.trigger).toBe('remove-all');
    expect((await app.store.tenants.get(tenantA))?.settings.enabled).toBe(false);
  });
});

describe('the mass-change guard', () => {
  it('holds a run that would untag most records after matchOn changes; confirming runs it', async () => {
    await admin.send('PUT', `/api/tenants/${tenantA}/settings`, { matchOn: 'email', copyToCorporate: false });
    expect((await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, {}))).written).toBe(12);

    // Phones differ between the two communities: matched on phone, nobody is shared any more.
    await admin.send('PUT', `/api/tenants/${tenantA}/settings`, { matchOn: 'phone' });
    const writes = provider.writes;
    const held = await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, {}));
    expect(held.status).toBe('held');
    expect(held.heldReason).toContain('North a: 6 of 6 tagged records');
    expect(provider.writes).toBe(writes);
    expect(tagsIn('an').an1).toEqual([PRIMARY, 'vip']);
    const run = await app.store.runs.get(tenantA, held.runId);
    expect(run).toMatchObject({ status: 'held', heldReason: held.heldReason });
    const planned = await app.store.audit.list(tenantA, held.runId);
    expect(planned).toHaveLength(12);
    expect(planned.every((e) => e.status === 'planned' && e.after.length === 0)).toBe(true);

    const confirmed = await json(
      await admin.send('POST', `/api/tenants/${tenantA}/runs`, { confirmMassChange: true }),
    );
    expect(confirmed).toMatchObject({ status: 'succeeded', written: 12 });
    expect(Object.values(tagsIn('an')).flat()).toEqual([]);
  });
});

/** Reads server-sent events from a live stream until `until` says stop; returns the `run` events. */
async function readEvents(
  response: Response,
  until: (event: { runId: number; phase: string }) => boolean,
): Promise<{ runId: number; phase: string; status?: string; accounts: unknown[] }[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (!block.startsWith('event: run\n')) continue;
      const event = JSON.parse(block.slice(block.indexOf('data: ') + 6));
      events.push(event);
      if (until(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

describe('live progress', () => {
  it('streams a run as it goes to its own tenant only', async () => {
    const other = new CookieClient(app.base);
    const tenantB = await tenantOf(other, 'b', { copyToCorporate: true });
    await admin.send('PUT', `/api/tenants/${tenantA}/settings`, { matchOn: 'email', copyToCorporate: true });

    const streamA = await admin.get(`/api/tenants/${tenantA}/runs/live`);
    expect(streamA.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const streamB = await other.get(`/api/tenants/${tenantB}/runs/live`);
    expect((await other.get(`/api/tenants/${tenantA}/runs/live`)).status).toBe(403);

    const eventsA = readEvents(streamA, (e) => e.phase === 'done');
    const runA = await json(await admin.send('POST', `/api/tenants/${tenantA}/runs`, {}));
    const seenA = await eventsA;
    expect(seenA.every((e) => e.runId === runA.runId)).toBe(true);
    const last = seenA.at(-1);
    expect(last).toMatchObject({ phase: 'done', status: 'succeeded', dryRun: false, trigger: 'admin' });
    expect(last?.accounts).toContainEqual({
      accountId: 'an',
      name: 'North a',
      pulled: true,
      contacts: 6,
      written: 6,
      toWrite: 6,
    });
    expect(last?.accounts).toContainEqual(expect.objectContaining({ accountId: 'corp-a', written: 6 }));

    // Tenant B's stream, read up to the end of B's own run, holds none of A's events.
    const eventsB = readEvents(streamB, (e) => e.phase === 'done');
    const runB = await json(await other.send('POST', `/api/tenants/${tenantB}/runs`, { dryRun: true }));
    const seenB = await eventsB;
    expect(seenB.length).toBeGreaterThan(0);
    expect(seenB.every((e) => e.runId === runB.runId)).toBe(true);
  });
});
