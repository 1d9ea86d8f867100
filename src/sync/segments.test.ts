import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentReport, SegmentRequest, SegmentState } from '../../connectors/connector.ts';
import { MemoryProvider } from '../../test/support/memory-connector.ts';
import { account, person } from '../../test/support/snapshot-builder.ts';
import { type OpenDatabase, openDatabase } from '../store/database.ts';
import { SecretBox } from '../store/secrets.ts';
import { Store } from '../store/store.ts';
import { runTenant } from './run-tenant.ts';

// The orchestration of issue 12 above the connector: when ensureSegments is called, with what, what is stored,
// and how its warnings reach the run. A fake keeps lists per account the way the contract describes.

let opened: OpenDatabase;
let store: Store;
beforeAll(async () => {
  opened = await openDatabase({ dataDir: 'memory://' });
  store = new Store(opened, new SecretBox('segments-test-secret-long-enough-0123456789abc'));
});
afterAll(async () => {
  await opened.close();
});

/** Lists per account as a CRM holds them, and every request the app made. */
class FakeLists {
  readonly lists = new Map<string, Map<string, string>>();
  readonly requests: { accountId: string; request: SegmentRequest }[] = [];
  readonly denied = new Set<string>();
  #next = 1;

  ensure(accountId: string, request: SegmentRequest): SegmentReport {
    this.requests.push({ accountId, request: structuredClone(request) });
    if (this.denied.has(accountId))
      return {
        segments: [],
        created: [],
        warnings: [{ code: 'segments-permission', detail: 'missing scope crm.lists.write' }],
      };
    const held = this.lists.get(accountId) ?? new Map<string, string>();
    this.lists.set(accountId, held);
    const report: SegmentReport = { segments: [], created: [], warnings: [] };
    for (const spec of request.specs) {
      const known = request.known.find((k) => k.key === spec.key);
      if (known && held.has(known.id)) {
        report.segments.push({ key: spec.key, id: known.id, name: held.get(known.id) as string });
        continue;
      }
      if (known && !request.recreateMissing) {
        report.warnings.push({ code: 'segments-missing', detail: `${known.name} was deleted` });
        continue;
      }
      const id = String(this.#next++);
      held.set(id, spec.name);
      const made: SegmentState = { key: spec.key, id, name: spec.name };
      report.segments.push(made);
      report.created.push(made);
    }
    return report;
  }
}

const snapshot = () => ({
  children: [
    account('north', [person('n1', { emails: ['bob@example.com'] })]),
    account('south', [person('s1', { emails: ['bob@example.com'] })]),
  ],
  corporate: { id: 'corp', name: 'HQ', contacts: [] },
});

async function setUp(settings: object) {
  const provider = new MemoryProvider(snapshot());
  const fake = new FakeLists();
  const connector = provider.connectorWith((session, connection) => ({
    ...session,
    ensureSegments: async (request) => fake.ensure(connection.accountId, request),
  }));
  const tenant = await store.tenants.create('Demo', settings);
  await provider.connectAll(store, tenant.id);
  const run = (dryRun = false) => runTenant(store, () => connector, tenant.id, { dryRun });
  return { fake, tenantId: tenant.id, run };
}

describe('segments orchestration', () => {
  it('does nothing while the setting is off, and never in a preview', async () => {
    const off = await setUp({});
    await off.run();
    expect(off.fake.requests).toEqual([]);
    const on = await setUp({ segments: true });
    await on.run(true);
    expect(on.fake.requests).toEqual([]);
  });

  it('asks each child account (not corporate) once per run, then reuses the stored lists', async () => {
    const { fake, tenantId, run } = await setUp({ segments: true, mode: 'senior-living' });
    await run();
    expect(fake.requests.map((r) => r.accountId).sort()).toEqual(['north', 'south']);
    expect(fake.requests[0]?.request).toMatchObject({ known: [], recreateMissing: false });
    expect(fake.requests[0]?.request.specs.map((s) => s.name)).toContain(
      'Community Sync · primary elsewhere (suppress)',
    );
    const made = (await store.segments.forAccount(tenantId, 'north')).segments;
    expect(made.map((s) => s.key).sort()).toEqual(['primary', 'secondary', 'shared']);

    await run();
    const second = fake.requests.slice(2).find((r) => r.accountId === 'north');
    expect(second?.request.known).toEqual(made);
    expect(second?.request.recreateMissing).toBe(false);
    expect(fake.lists.get('north')?.size).toBe(3);
  });

  it('a deleted list is made again only in the first run after the setting is turned off and on', async () => {
    const { fake, tenantId, run } = await setUp({ segments: true });
    await run();
    const suppress = (await store.segments.forAccount(tenantId, 'north')).segments.find(
      (s) => s.key === 'secondary',
    ) as SegmentState;
    fake.lists.get('north')?.delete(suppress.id);

    const { runId } = await run();
    expect(fake.lists.get('north')?.size).toBe(2);
    const [warned] = (await store.runs.list(tenantId)).filter((r) => r.id === runId);
    expect(warned?.warnings).toEqual([
      { code: 'segments-missing', accountId: 'north', detail: `${suppress.name} was deleted` },
    ]);
    // Still known (as gone): the next run does not make it again either.
    await run();
    expect(fake.lists.get('north')?.size).toBe(2);

    await store.tenants.updateSettings(tenantId, { segments: false });
    await run();
    await store.tenants.updateSettings(tenantId, { segments: true });
    const before = fake.requests.length;
    await run();
    expect(fake.requests.slice(before).every((r) => r.request.recreateMissing)).toBe(true);
    expect(fake.lists.get('north')?.size).toBe(3);
    const after = fake.requests.length;
    await run();
    expect(fake.requests.slice(after).some((r) => r.request.recreateMissing)).toBe(false);
  });

  it('a refused account is one run warning and the stored problem; the other accounts get their lists', async () => {
    const { fake, tenantId, run } = await setUp({ segments: true });
    fake.denied.add('south');
    const { runId, status } = await run();
    expect(status).toBe('succeeded');
    const recorded = (await store.runs.list(tenantId)).find((r) => r.id === runId);
    expect(recorded?.warnings).toEqual([
      { code: 'segments-permission', accountId: 'south', detail: 'missing scope crm.lists.write' },
    ]);
    expect(fake.lists.get('north')?.size).toBe(3);
    expect([...(await store.segments.problems(tenantId))]).toEqual([['south', 'segments-permission']]);
  });
});
