import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../connectors/connector.ts';
import { loadConfig } from '../src/app/config.ts';
import { type Started, startApp } from '../src/app/start.ts';
import { sandboxEnv } from './support/sandbox-env.ts';

// The sandbox end to end, as a community's staff would see it: a contact added in one community through the
// simulated HubSpot's API reaches the app as a signed webhook, and within seconds the person is tagged in both
// communities (by a full run of the tenant until the targeted resync lands).

const TAGS = 'community_sync_tags';
let started: Started;
let simulatorUrl: string;

beforeAll(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'cs-sandbox-webhooks-')), 'data');
  const config = loadConfig(
    sandboxEnv({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', SCHEDULER: 'off' }),
  );
  started = await startApp(config, silentLogger, () => {});
  simulatorUrl = started.simulator?.url ?? '';
}, 120_000);
afterAll(async () => {
  await started?.close();
});

/** The simulated HubSpot's API as a community's staff use it (its `sandbox-<portal>` token). */
async function staff(portal: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${simulatorUrl}${path}`, {
    method,
    headers: { authorization: `Bearer sandbox-${portal}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: HubSpot's answers, read field by field
  return (await response.json()) as any;
}

async function tagsOf(portal: string, id: string): Promise<string[]> {
  const contact = await staff(portal, 'GET', `/crm/v3/objects/contacts/${id}?properties=${TAGS}`);
  return (contact.properties?.[TAGS] ?? '').split(';').filter(Boolean);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const PORTALS = ['20000', '20001', '20002', '20003'];

describe('the sandbox with webhooks on', () => {
  it("the first sync's own writes (tags, corporate copies) come back as events and cause no run", async () => {
    const id = (await tenantId()) as string;
    // The echoes of the first sync arrive and are processed (debounced by a second).
    await new Promise((r) => setTimeout(r, 2_500));
    const pending = await eventually(
      () => started.runtime.store.changeEvents.pending(id, 'hubspot', PORTALS),
      (events) => events.length === 0,
    );
    expect(pending).toEqual([]);
    const metrics = await (await fetch(new URL('metrics', started.serving.url))).text();
    expect(
      Number(/community_sync_webhooks_total\{outcome="accepted"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThan(0);
    const runs = await started.runtime.store.runs.list(id);
    expect(runs.map((r) => r.trigger)).toEqual(['sandbox start']);
  }, 30_000);

  it('a contact added in one community that matches one in another is tagged in both within seconds', async () => {
    const listed = await staff('20001', 'GET', `/crm/v3/objects/contacts?limit=100&properties=email,${TAGS}`);
    const alone = listed.results.find(
      // biome-ignore lint/suspicious/noExplicitAny: HubSpot's answer
      (c: any) => c.properties.email && !c.properties[TAGS],
    );
    expect(alone, 'a Maple Grove contact that is in no other community').toBeDefined();
    const runsBefore = (await started.runtime.store.runs.list((await tenantId()) as string)).length;

    const created = await staff('20002', 'POST', '/crm/v3/objects/contacts', {
      properties: { email: alone.properties.email, firstname: 'Walk-in' },
    });
    expect(created.id).toBeDefined();
    const tags = await eventually(
      () => tagsOf('20002', created.id),
      (t) => t.length > 0,
    );
    expect(tags.some((t) => t.endsWith('shared-contact'))).toBe(true);
    expect((await tagsOf('20001', alone.id)).some((t) => t.endsWith('shared-contact'))).toBe(true);
    // A webhook job did it: a run with trigger `webhook`.
    const runs = await started.runtime.store.runs.list((await tenantId()) as string);
    expect(runs.length).toBeGreaterThan(runsBefore);
    expect(runs.some((r) => r.trigger === 'webhook')).toBe(true);
  }, 60_000);
});

async function tenantId(): Promise<string | undefined> {
  const tenants = await started.runtime.store.tenants.list();
  return tenants[0]?.id;
}
