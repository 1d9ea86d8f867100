import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';
import { SecretBox } from '../../src/store/secrets.ts';
import { Store } from '../../src/store/store.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';
import type { Tokens } from '../connector.ts';
import { hubspotConnector } from './index.ts';
import { type RunningHubspotSimulator, startHubspotSimulator } from './simulator.ts';
import { readScenario } from './sync-fixture.ts';

// Issue 12 end to end on HubSpot: a tenant run with `segments` on makes the three lists in every community through
// Lists v3 on the simulator, once; HubSpot (the simulator) then keeps their members from the tag property.

const SUPPRESS = 'Community Sync · primary elsewhere (suppress)';
const PRIMARY_HERE = 'Community Sync · primary here';
const snapshot = readScenario('bob-smith-two-communities');

let simulator: RunningHubspotSimulator;
let opened: OpenDatabase;
let store: Store;
beforeEach(async () => {
  simulator = await startHubspotSimulator({ snapshot, searchLagMs: 50, listProcessingMs: 100 });
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('segments-hubspot-secret-long-enough-0123456789'));
});
afterEach(async () => {
  await simulator.close();
  await opened.close();
});

const connector = () =>
  hubspotConnector({ baseUrl: simulator.url, clientId: 'sim-client-id', clientSecret: 'sim-client-secret' });

/** The tenant with every account connected by sandbox tokens (all scopes), or by `tokensOf` where it gives some. */
async function tenant(settings: object, tokensOf: (id: string) => Tokens | undefined = () => undefined) {
  const made = await store.tenants.create('Sunrise', {
    ...snapshot.settings,
    mode: 'senior-living',
    ...settings,
  });
  for (const account of [...snapshot.children, ...(snapshot.corporate ? [snapshot.corporate] : [])]) {
    await store.accounts.save(made.id, {
      provider: 'hubspot',
      externalId: account.id,
      role: account.id === snapshot.corporate?.id ? 'corporate' : 'child',
      name: account.name,
      country: 'US',
      tokens: tokensOf(account.id) ?? {
        accessToken: `sandbox-${account.id}`,
        refreshToken: null,
        expiresAt: null,
      },
      details: {},
    });
  }
  const hubspot = connector();
  return { tenantId: made.id, run: () => runTenant(store, () => hubspot, made.id) };
}

// biome-ignore lint/suspicious/noExplicitAny: HubSpot's answers, read as the test needs them
type ListAnswer = any;

/** A Lists v3 call as the community's staff makes it (a `sandbox-<portal>` token). */
async function lists(portalId: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, simulator.url), {
    method,
    headers: { authorization: `Bearer sandbox-${portalId}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: response.status === 204 ? null : ((await response.json()) as ListAnswer),
  };
}

const allLists = async (portalId: string) =>
  (await lists(portalId, 'POST', '/crm/v3/lists/search', { query: '', count: 100 })).body.lists as {
    listId: string;
    name: string;
    processingStatus: string;
  }[];

/** Members once HubSpot has computed them (PROCESSING first). */
async function members(portalId: string, listId: string): Promise<string[]> {
  for (;;) {
    const { body } = await lists(portalId, 'GET', `/crm/v3/lists/${listId}`);
    if (body.list.processingStatus === 'COMPLETE') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const { body } = await lists(portalId, 'GET', `/crm/v3/lists/${listId}/memberships?limit=100`);
  return body.results.map((r: { recordId: string }) => r.recordId);
}

const listCreates = () => simulator.calls.count((c) => c.method === 'POST' && c.path === '/crm/v3/lists');

describe('HubSpot segments', () => {
  it('makes the three lists in each community once, whose members follow the tags', async () => {
    const { run, tenantId } = await tenant({ segments: true });
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(listCreates()).toBe(9);
    const made = await allLists('102');
    expect(made.map((l) => l.name).sort()).toEqual([
      'Community Sync · primary elsewhere (suppress)',
      'Community Sync · primary here',
      'Community Sync · shared with other communities',
    ]);
    expect(await allLists('1')).toEqual([]); // the corporate account gets no lists

    // Bob is shared by two communities: primary in one, so in its "primary here" list, and in the other's suppress
    // list; the third community's person is shared with nobody and in no list.
    const [bob] = first.report.plan.shared;
    expect(bob?.members).toHaveLength(2);
    for (const child of snapshot.children) {
      const held = await allLists(child.id);
      const listed = async (name: string) =>
        members(child.id, (held.find((l) => l.name === name) as { listId: string }).listId);
      const member = bob?.members.find((m) => m.accountId === child.id);
      const primary = member && bob?.primaryAccountId === child.id;
      expect(await listed(SUPPRESS)).toEqual(member && !primary ? [member.contactId] : []);
      expect(await listed(PRIMARY_HERE)).toEqual(primary ? [member.contactId] : []);
    }

    await run();
    expect(listCreates()).toBe(9);
    expect((await store.segments.forAccount(tenantId, '102')).segments).toHaveLength(3);
  });

  it('membership follows the tags the next run writes', async () => {
    const { run } = await tenant({ segments: true });
    const first = await run();
    const [bob] = first.report.plan.shared;
    const secondary = bob?.members.find((m) => m.accountId !== bob.primaryAccountId) as {
      accountId: string;
      contactId: string;
    };
    const shared = (await allLists(secondary.accountId)).find((l) => l.name.includes('shared with')) as {
      listId: string;
    };
    expect(await members(secondary.accountId, shared.listId)).toEqual([secondary.contactId]);
    // Bob's record there gets another email: he is no longer shared, the next run removes its tags, the list follows.
    const record = simulator.rawPortal(secondary.accountId).contacts.get(secondary.contactId);
    if (record) Object.assign(record.properties, { email: 'someone.else@example.com', phone: null });
    await run();
    expect(await members(secondary.accountId, shared.listId)).toEqual([]);
    expect(listCreates()).toBe(9);
  });

  it('keeps an admin-renamed list; a deleted one is made again only after the setting is turned off and on', async () => {
    const { run, tenantId } = await tenant({ segments: true });
    await run();
    const [shared, , suppress] = (await allLists('101'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .reverse();
    const renamed = await lists(
      '101',
      'PUT',
      `/crm/v3/lists/${shared?.listId}/update-list-name?listName=Our%20shared%20people`,
    );
    expect(renamed.status).toBe(200);
    expect((await lists('101', 'DELETE', `/crm/v3/lists/${suppress?.listId}`)).status).toBe(204);

    const second = await run();
    expect(listCreates()).toBe(9);
    expect((await allLists('101')).map((l) => l.name).sort()).toEqual([
      'Community Sync · primary here',
      'Our shared people',
    ]);
    expect(second.report.segmentWarnings).toEqual([
      expect.objectContaining({ code: 'segments-missing', accountId: '101' }),
    ]);
    expect(
      (await store.segments.forAccount(tenantId, '101')).segments.find((s) => s.key === 'shared')?.name,
    ).toBe('Our shared people');

    await store.tenants.updateSettings(tenantId, { segments: false });
    await run();
    expect(listCreates()).toBe(9);
    await store.tenants.updateSettings(tenantId, { segments: true });
    await run();
    expect(listCreates()).toBe(10);
    expect((await allLists('101')).map((l) => l.name)).toContain(SUPPRESS);
  });

  it('a community connected without the lists scopes gets one clear warning; the rest of the run completes', async () => {
    const hubspot = connector();
    const identity = await hubspot.exchangeCode({
      code: simulator.issueCode('102'),
      redirectUri: 'http://localhost/cb',
    });
    const { run, tenantId } = await tenant({ segments: true }, (id) =>
      id === '102' ? identity.tokens : undefined,
    );
    const result = await run();
    expect(result.status).toBe('succeeded');
    expect(result.report.segmentWarnings).toEqual([
      {
        code: 'segments-permission',
        accountId: '102',
        detail: expect.stringContaining('crm.lists.write'),
      },
    ]);
    expect(result.report.written).toBeGreaterThan(0);
    expect(await allLists('102')).toEqual([]);
    expect((await allLists('101')).length).toBe(3);
    expect((await store.accounts.list(tenantId)).find((a) => a.accountId === '102')?.status).toBe(
      'connected',
    );
  });

  it("a portal's cap on lists is a warning, not a failure", async () => {
    await simulator.close();
    simulator = await startHubspotSimulator({ snapshot, searchLagMs: 50, listLimit: 2 });
    const { run } = await tenant({ segments: true });
    const result = await run();
    expect(result.status).toBe('succeeded');
    expect(result.report.segmentWarnings.map((w) => [w.code, w.accountId])).toEqual([
      ['segments-limit', '101'],
      ['segments-limit', '102'],
      ['segments-limit', '103'],
    ]);
    expect((await allLists('101')).length).toBe(2);
  });

  it('creates nothing while the setting is off', async () => {
    const { run } = await tenant({});
    await run();
    expect(simulator.calls.count((c) => c.path.startsWith('/crm/v3/lists'))).toBe(0);
  });
});
